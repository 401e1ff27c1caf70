// Conformance suite for runtime-core Sandbox implementations (vmSandbox now, the isolate sandbox next). It drives the
// sandbox the way users do — through createExecutor, and over real HTTP through createHttpHandler — so it checks the
// protocol end to end. Typed structurally: this package depends on neither runtime-core nor vitest.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
// @ts-ignore -- vitest resolves at test time (see function-store.ts)
import * as vitestApi from 'vitest'

export interface SandboxSuiteApi {
  describe: (name: string, body: () => void) => void
  it: ((name: string, body: () => Promise<void> | void, timeout?: number) => void) & {
    skipIf(condition: boolean): (name: string, body: () => Promise<void> | void, timeout?: number) => void
  }
  expect: any
  afterEach: (body: () => Promise<void> | void) => void
}

/** The runtime-core entry points the suite uses (pass `{createExecutor, memoryStore, createHttpHandler}`). */
export interface SandboxSuiteRuntime {
  createExecutor(options: any): any
  memoryStore(records?: any[]): any
  createHttpHandler(executor: any, options?: any): (req: any, res: any) => Promise<void>
}

interface Record {
  name: string
  source: string
  language?: 'ts' | 'js'
  timeoutMs?: number
  methods?: string[]
}

/** Runs the Sandbox contract against `create()` (a fresh sandbox per test). */
export function testSandbox(label: string, create: () => any, runtime: SandboxSuiteRuntime, api: SandboxSuiteApi = vitestApi as SandboxSuiteApi): void {
  const { describe, it, expect, afterEach } = api
  const hostObjects = Boolean(create().capabilities?.hostObjects)
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!()
  })

  function executorWith(records: Record[], options: { [key: string]: unknown } = {}) {
    const store = runtime.memoryStore(records)
    const executor = runtime.createExecutor({ store, sandbox: create(), jwtSecret: 'suite-secret', ...options })
    cleanup.push(() => executor.close())
    return { store, executor }
  }

  async function served(records: Record[]): Promise<{ base: string; executor: any }> {
    const { executor } = executorWith(records)
    const server: Server = createServer(runtime.createHttpHandler(executor))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanup.push(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, executor }
  }

  describe(`Sandbox conformance: ${label}`, () => {
    it('declares its kind and capabilities', () => {
      const sandbox = create()
      expect(typeof sandbox.kind).toBe('string')
      expect(typeof sandbox.capabilities.hostObjects).toBe('boolean')
      cleanup.push(async () => sandbox.dispose())
    })

    it('keeps module state per load, and unload (reload) starts it afresh', async () => {
      const { executor } = executorWith([{ name: 'counter', source: 'let n = 0\nexport default () => ++n' }])
      const calls = [await executor.invoke('counter'), await executor.invoke('counter')]
      expect(calls.map((call: any) => [call.data, call.cold])).toEqual([[1, true], [2, false]])
      await executor.reload('counter')
      expect((await executor.invoke('counter')).data).toBe(1)
    })

    it('selects the entry point: default, then main, then a Lambda handler', async () => {
      const { executor } = executorWith([
        { name: 'both', source: 'export default () => "default"\nexport function main() { return "main" }' },
        { name: 'viaMain', source: 'export async function main(ctx: any) { return ctx.body.x * 2 }' },
        { name: 'cjs', source: 'module.exports = () => "cjs"', language: 'js' },
        { name: 'lambda', source: 'export const handler = async (event: any) => ({ statusCode: 200, event })' },
        { name: 'none', source: 'export const x = 1' },
      ])
      expect((await executor.invoke('both')).data).toBe('default')
      expect((await executor.invoke('viaMain', { body: { x: 21 } })).data).toBe(42)
      expect((await executor.invoke('cjs')).data).toBe('cjs')
      expect((await executor.invoke('lambda', { body: { x: 1 } })).data).toEqual({ statusCode: 200, event: { x: 1 } })
      expect((await executor.invoke('none')).error?.code).toBe('NO_ENTRY_POINT')
      const entries = Object.fromEntries((await executor.describe()).map((info: any) => [info.name, info.entry ?? info.error.code]))
      expect(entries).toEqual({ both: 'default', viaMain: 'main', cjs: 'default', lambda: 'handler', none: 'NO_ENTRY_POINT' })
    })

    it('reports the exported meta as JSON, and a top-level throw as an error, evaluating nothing outside the sandbox', async () => {
      const { executor } = executorWith([
        { name: 'tool', source: 'export const meta = { description: "adds", inputSchema: { type: "object" }, fn: () => 1, when: new Date(0) }\nexport default () => 1' },
        { name: 'broken', source: '(globalThis as any).__suiteTopLevel = "ran"\nthrow new Error("top level fails")\nexport default () => 1' },
      ])
      const [broken, tool] = (await executor.describe()).sort((a: any, b: any) => (a.name < b.name ? -1 : 1))
      expect(tool).toMatchObject({ name: 'tool', entry: 'default', meta: { description: 'adds', inputSchema: { type: 'object' }, when: '1970-01-01T00:00:00.000Z' } })
      expect(tool.meta).not.toHaveProperty('fn')
      expect(broken).toMatchObject({ name: 'broken', error: { code: 'FUNCTION_ERROR', message: expect.stringContaining('top level fails') } })
      expect(broken.entry).toBeUndefined()
      expect((globalThis as { __suiteTopLevel?: unknown }).__suiteTopLevel).toBeUndefined()
      expect(await executor.describe('tool')).toHaveLength(1)
      expect(await executor.describe('missing')).toEqual([])
    })

    it('routes console output to the invocation that wrote it, even when calls overlap', async () => {
      const { executor } = executorWith([
        { name: 'talk', source: 'export default async (ctx: any) => { console.log("start", ctx.body); await new Promise(r => setTimeout(r, 20)); console.warn("end", ctx.body); return ctx.body }' },
      ])
      const [a, b] = await Promise.all([executor.invoke('talk', { body: 'a' }), executor.invoke('talk', { body: 'b' })])
      expect(a.logs.map((log: any) => [log.level, log.message])).toEqual([['log', 'start a'], ['warn', 'end a']])
      expect(b.logs.map((log: any) => [log.level, log.message])).toEqual([['log', 'start b'], ['warn', 'end b']])
    })

    it('reports ctx.progress and each console line live to the entry point (a no-op without a listener)', async () => {
      const { executor } = executorWith([
        { name: 'steps', source: 'export default async (ctx: any) => { for (let i = 1; i <= 3; i++) { ctx.progress(i, 3, "step " + i); console.log("did", i); await new Promise((r) => setTimeout(r, 5)) } return "done" }' },
      ])
      const progress: unknown[] = []
      const lines: string[] = []
      const result = await executor.invoke('steps', { onProgress: (each: unknown) => progress.push(each), onLog: (record: { message: string }) => lines.push(record.message) })
      expect(result.data).toBe('done')
      expect(progress).toEqual([1, 2, 3].map((i) => ({ progress: i, total: 3, message: `step ${i}` })))
      expect(lines).toEqual(['did 1', 'did 2', 'did 3'])
      expect((await executor.invoke('steps')).data).toBe('done')
    })

    it('ctx.waitUntil: the result comes first, the work goes on after, failures are logged, and close() waits for it', async () => {
      const { executor } = executorWith([
        {
          name: 'later',
          source: 'import cloud from "@scraping-run/cloud"\nexport default (ctx: any) => { ctx.waitUntil(new Promise((r) => setTimeout(r, 60)).then(() => { cloud.shared.set("bg", "done"); console.log("background finished") })); ctx.waitUntil(Promise.reject(new Error("background failed"))); return "first" }',
        },
        { name: 'read', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.shared.get("bg") ?? null' },
      ])
      const printed: string[] = []
      const original = { log: console.log, error: console.error }
      console.log = (...args: unknown[]) => void printed.push(args.join(' '))
      console.error = (...args: unknown[]) => void printed.push(args.join(' '))
      let lines: string[] = []
      try {
        const result = await executor.invoke('later')
        expect(result.data).toBe('first')
        lines = result.logs.map((log: { message: string }) => log.message)
        // The work finishes after the result: eventually the shared value is there.
        let seen: unknown = null
        for (let i = 0; i < 100 && seen !== 'done'; i++) {
          seen = (await executor.invoke('read')).data
          if (seen !== 'done') await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(seen).toBe('done')
        await executor.invoke('later')
        // close() waits for the second call's work: its line is printed by the time close() resolves.
        await executor.close()
      } finally {
        console.log = original.log
        console.error = original.error
      }
      expect(printed.filter((line) => line.includes('background finished'))).toHaveLength(2)
      // A failure is logged under the call: in its logs while it runs, on the host's console (with the request id) after.
      expect([...lines, ...printed].some((line) => line.includes('waitUntil work failed') && line.includes('background failed'))).toBe(true)
    })

    it('times out a call that never settles, aborting ctx.signal with TIMEOUT', async () => {
      const { executor } = executorWith([
        { name: 'hang', source: 'import cloud from "@scraping-run/cloud"\nexport default (ctx: any) => new Promise(() => { ctx.signal.addEventListener("abort", () => cloud.shared.set("reason", ctx.signal.reason.code)) })', timeoutMs: 50 },
        { name: 'reason', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.shared.get("reason") ?? null' },
      ])
      expect((await executor.invoke('hang')).error?.code).toBe('TIMEOUT')
      // Abort is a message: a sandbox in another thread may deliver it just after the caller got TIMEOUT.
      let seen: unknown = null
      for (let i = 0; i < 50 && seen !== 'TIMEOUT'; i++) {
        seen = (await executor.invoke('reason')).data
        if (seen !== 'TIMEOUT') await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(seen).toBe('TIMEOUT')
    })

    it('aborts ctx.signal when the caller cancels, with ABORTED', async () => {
      const { executor } = executorWith([
        { name: 'wait', source: 'export default (ctx: any) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason.code)))' },
      ])
      const controller = new AbortController()
      const pending = executor.invoke('wait', { signal: controller.signal })
      setTimeout(() => controller.abort(), 20)
      expect((await pending).error?.code).toBe('ABORTED')
    })

    it('turns throws into clean errors with source-mapped file:line', async () => {
      const { executor } = executorWith([
        { name: 'thrower', source: 'type T = { a: string }\n\nexport default function () {\n  const t: T = { a: "x" }\n  if (t.a) throw new Error("bad thing")\n}' },
        { name: 'weird', source: 'export default () => { throw 42 }' },
      ])
      const thrown = await executor.invoke('thrower')
      expect(thrown.error).toMatchObject({ code: 'FUNCTION_ERROR', message: 'bad thing' })
      expect(thrown.error.stack).toMatch(/thrower\.ts:5:\d+/)
      expect((await executor.invoke('weird')).error).toMatchObject({ code: 'FUNCTION_ERROR', message: expect.stringContaining('42') })
    })

    it('imports other functions by @/name and ./relative', async () => {
      const { executor } = executorWith([
        { name: 'lib/math', source: 'export const double = (x: number) => x * 2' },
        { name: 'lib/use', source: 'import { double } from "./math"\nexport default (ctx: any) => double(ctx.body)' },
        { name: 'top', source: 'import { double } from "@/lib/math"\nexport default () => double(5)' },
      ])
      expect((await executor.invoke('lib/use', { body: 4 })).data).toBe(8)
      expect((await executor.invoke('top')).data).toBe(10)
    })

    it('gives __interceptor__ a next() that runs the function with what the interceptor changed', async () => {
      const { executor } = executorWith([
        { name: '__interceptor__', source: 'export default async (ctx: any, next: any) => { if (ctx.body === "deny") return { denied: true }; ctx.user = { uid: "from-interceptor" }; return { wrapped: await next() } }' },
        { name: 'who', source: 'export default (ctx: any) => ctx.user' },
      ])
      expect((await executor.invoke('who', { body: 'deny' })).data).toEqual({ denied: true })
      expect((await executor.invoke('who')).data).toEqual({ wrapped: { uid: 'from-interceptor' } })
    })

    it('reaches the host through the cloud SDK: invoke (as the caller), tokens and env', async () => {
      const { executor } = executorWith(
        [
          { name: 'callee', source: 'export default (ctx: any) => ({ got: ctx.body, trigger: ctx.trigger, user: ctx.user })' },
          {
            name: 'caller',
            source: 'import cloud from "@scraping-run/cloud"\nexport default async () => { const token = cloud.getToken({ uid: "u1" }); return { callee: await cloud.invoke("callee", { body: 7 }), uid: cloud.parseToken(token)?.uid, env: cloud.env.REGION, appid: cloud.appid } }',
          },
        ],
        { env: { REGION: 'eu' }, appid: 'suite' },
      )
      expect((await executor.invoke('caller', { user: { uid: 'me' } })).data).toEqual({
        callee: { got: 7, trigger: { kind: 'invoke', caller: 'caller' }, user: { uid: 'me' } },
        uid: 'u1',
        env: 'eu',
        appid: 'suite',
      })
    })

    it('sends results of every kind over HTTP, and a circular one as a clean error', async () => {
      const { base } = await served([
        { name: 'object', source: 'export default () => ({ ok: true })' },
        { name: 'text', source: 'export default () => "hello"' },
        { name: 'bytes', source: 'export default () => new TextEncoder().encode("raw")' },
        { name: 'nothing', source: 'export default () => undefined' },
        { name: 'circular', source: 'export default () => { const o: any = {}; o.self = o; return o }' },
      ])
      const post = (name: string) => fetch(`${base}/${name}`, { method: 'POST' })
      expect(await (await post('object')).json()).toEqual({ ok: true })
      const text = await post('text')
      expect([text.headers.get('content-type'), await text.text()]).toEqual(['text/plain; charset=utf-8', 'hello'])
      const bytes = await post('bytes')
      expect([bytes.headers.get('content-type'), await bytes.text()]).toEqual(['application/octet-stream', 'raw'])
      expect((await post('nothing')).status).toBe(204)
      const circular = await post('circular')
      expect(circular.status).toBe(500)
      expect(await circular.json()).toMatchObject({ code: 'INVALID_RESULT', requestId: expect.any(String) })
    })

    it('lets a function write the HTTP response itself (status, headers, body)', async () => {
      const { base } = await served([
        { name: 'own', source: 'export default (ctx: any) => { ctx.response.statusCode = 201; ctx.response.setHeader("x-made", "here"); ctx.response.end("made") }' },
      ])
      const response = await fetch(`${base}/own`, { method: 'POST' })
      expect([response.status, response.headers.get('x-made'), await response.text()]).toEqual([201, 'here', 'made'])
    })

    it('streams an async generator result and a streaming Lambda handler, and maps a Lambda result back', async () => {
      const { base } = await served([
        { name: 'gen', source: 'export default async function* () { yield "a"; yield new TextEncoder().encode("b") }' },
        { name: 'events', source: 'import { sse } from "@scraping-run/cloud"\nexport default () => sse(["x", { id: 2, data: { y: 1 } }])' },
        { name: 'stream', source: 'export const handler = awslambda.streamifyResponse(async (event: any, out: any) => { out.write("s1 "); out.end("s2") })' },
        { name: 'api', source: 'export const handler = async (event: any) => ({ statusCode: 207, headers: { "x-path": event.rawPath }, body: "ok" })' },
      ])
      expect(await (await fetch(`${base}/gen`, { method: 'POST' })).text()).toBe('ab')
      const events = await fetch(`${base}/events`, { method: 'POST' })
      expect([events.headers.get('content-type'), await events.text()]).toEqual(['text/event-stream; charset=utf-8', 'data: x\n\nid: 2\ndata: {"y":1}\n\n'])
      expect(await (await fetch(`${base}/stream`, { method: 'POST' })).text()).toBe('s1 s2')
      const api = await fetch(`${base}/api/rest`, { method: 'POST' })
      expect([api.status, api.headers.get('x-path'), await api.text()]).toEqual([207, '/api/rest', 'ok'])
    })

    it.skipIf(hostObjects)('gives a bridged response facade (status, json, cookie, redirect) and no raw request', async () => {
      const { base } = await served([
        { name: 'facade', source: 'export default (ctx: any) => { ctx.response.status(202).cookie("sid", "a b", { httpOnly: true }).json({ request: typeof ctx.request, header: ctx.response.getHeader("content-type") ?? null }) }' },
        { name: 'go', source: 'export default (ctx: any) => ctx.response.redirect("/elsewhere")' },
        { name: 'mongo', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.mongo' },
      ])
      const facade = await fetch(`${base}/facade`, { method: 'POST' })
      expect([facade.status, facade.headers.get('set-cookie')]).toEqual([202, 'sid=a%20b; Path=/; HttpOnly'])
      expect(await facade.json()).toEqual({ request: 'undefined', header: null })
      const go = await fetch(`${base}/go`, { method: 'POST', redirect: 'manual' })
      expect([go.status, go.headers.get('location')]).toEqual([302, '/elsewhere'])
      const mongo = await (await fetch(`${base}/mongo`, { method: 'POST' })).json()
      // No MongoDB configured here: the bridged cloud.mongo says so, naming the option.
      expect(mongo).toMatchObject({ code: 'NOT_CONFIGURED', error: expect.stringMatching(/cloud\.mongo/) })
    })

    it.skipIf(!hostObjects)('hands a host-object sandbox the raw request and response', async () => {
      const { base } = await served([
        { name: 'raw', source: 'export default (ctx: any) => ({ method: ctx.request.method, writable: typeof ctx.response.write })' },
      ])
      expect(await (await fetch(`${base}/raw`, { method: 'PUT' })).json()).toEqual({ method: 'PUT', writable: 'function' })
    })
  })
}
