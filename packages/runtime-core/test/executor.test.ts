import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir } from '@scraping-run/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createExecutor, memorySink, memoryStore, vmSandbox, type Executor, type FunctionRecordInput } from '@scraping-run/runtime-core'

const open: Executor[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

function executorWith(records: FunctionRecordInput[], options: Partial<Parameters<typeof createExecutor>[0]> = {}) {
  const store = memoryStore(records)
  const executor = createExecutor({ store, ...options })
  open.push(executor)
  return { store, executor }
}

describe('executor', () => {
  it('runs default, then main, and keeps module state between calls', async () => {
    const { executor } = executorWith([
      { name: 'counter', source: 'let n = 0\nexport default () => ++n' },
      { name: 'viaMain', source: 'export async function main(ctx: any) { return ctx.body.x * 2 }' },
    ])
    const first = await executor.invoke('counter')
    const second = await executor.invoke('counter')
    expect([first.data, first.cold, second.data, second.cold]).toEqual([1, true, 2, false])
    expect((await executor.invoke('viaMain', { body: { x: 21 } })).data).toBe(42)
  })

  it('reports FUNCTION_NOT_FOUND, INVALID_FUNCTION_NAME and NO_ENTRY_POINT, and runs a Lambda-style handler', async () => {
    const { executor } = executorWith([
      { name: 'empty', source: 'export const x = 1' },
      { name: 'lambda', source: 'export const handler = async () => ({ statusCode: 200 })' },
    ])
    expect((await executor.invoke('nope')).error?.code).toBe('FUNCTION_NOT_FOUND')
    expect((await executor.invoke('../etc/passwd')).error?.code).toBe('INVALID_FUNCTION_NAME')
    expect((await executor.invoke('a'.repeat(257))).error?.code).toBe('INVALID_FUNCTION_NAME')
    expect((await executor.invoke('empty')).error?.code).toBe('NO_ENTRY_POINT')
    // Not over HTTP: called the way Lambda's direct invoke is, its result as is.
    expect(await executor.invoke('lambda')).toMatchObject({ data: { statusCode: 200 } })
  })

  it('reports COMPILE_ERROR with the line and column', async () => {
    const { executor } = executorWith([{ name: 'broken', source: 'export default () => {\n  return 1 +\n}\n' }])
    const result = await executor.invoke('broken')
    expect(result.error?.code).toBe('COMPILE_ERROR')
    expect(result.error?.message).toMatch(/^broken:3:0: /)
  })

  it('turns throws of any value into clean errors and source-maps stacks to the function file', async () => {
    const { executor } = executorWith([
      { name: 'thrower', source: 'type T = { a: string }\n\nexport default function (ctx: any) {\n  const t: T = { a: "x" }\n  if (t.a) throw new Error("bad thing")\n}' },
      { name: 'string', source: 'export default () => { throw "plain string" }' },
      { name: 'undef', source: 'export default async () => { throw undefined }' },
      { name: 'circular', source: 'export default () => { const o: any = {}; o.o = o; throw o }' },
    ])
    const thrown = await executor.invoke('thrower')
    expect(thrown.error).toMatchObject({ code: 'FUNCTION_ERROR', message: 'bad thing' })
    expect(thrown.error?.stack).toContain('thrower.ts:5:')
    expect(thrown.error?.stack).not.toContain('runtime-core')
    expect((await executor.invoke('string')).error).toEqual({ code: 'FUNCTION_ERROR', message: 'plain string' })
    expect((await executor.invoke('undef')).error?.code).toBe('FUNCTION_ERROR')
    expect((await executor.invoke('circular')).error?.message).toMatch(/non-Error value/)
  })

  it('times out a function that never settles, aborting ctx.signal; a per-function timeout wins', async () => {
    const { executor } = executorWith(
      [
        { name: 'forever', source: 'export default (ctx: any) => new Promise(() => { ctx.signal.addEventListener("abort", () => (globalThis as any).aborted = ctx.signal.reason.code) })' },
        { name: 'aborted', source: 'export default () => (globalThis as any).aborted' },
        { name: 'quick', source: 'export default () => new Promise(() => {})', timeoutMs: 50 },
      ],
      { timeoutMs: 200 },
    )
    const result = await executor.invoke('forever')
    expect(result.error?.code).toBe('TIMEOUT')
    expect((await executor.invoke('aborted')).data).toBe('TIMEOUT')
    const quick = await executor.invoke('quick')
    expect(quick.error?.code).toBe('TIMEOUT')
    expect(quick.error?.message).toContain('50 ms')
  })

  it('passes cancellation from init.signal as ctx.signal and reports ABORTED', async () => {
    const { executor } = executorWith([{ name: 'wait', source: 'export default () => new Promise(() => {})' }])
    const controller = new AbortController()
    const pending = executor.invoke('wait', { signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    expect((await pending).error?.code).toBe('ABORTED')
  })

  it('runs programmatic interceptors then __interceptor__, as an onion, for every trigger kind', async () => {
    const { executor } = executorWith([
      { name: 'target', source: 'export default (ctx: any) => ({ name: ctx.functionName, kind: ctx.trigger.kind })' },
      {
        name: '__interceptor__',
        source: `export default async function (ctx: any, next: any) {
          if (ctx.trigger.kind === 'cron') return next()
          if (!ctx.user) return { denied: ctx.functionName }
          const result = await next()
          return { wrapped: result }
        }`,
      },
    ])
    const order: string[] = []
    executor.use(async (ctx, next) => {
      order.push(`outer:${ctx.functionName}`)
      return next()
    })
    expect((await executor.invoke('target')).data).toEqual({ denied: 'target' })
    expect((await executor.invoke('target', { trigger: { kind: 'cron', name: 'nightly', scheduledAt: new Date().toISOString() } })).data).toEqual({ name: 'target', kind: 'cron' })
    expect((await executor.invoke('target', { user: { uid: 'u' }, trigger: { kind: 'mcp', tool: 'target' } })).data).toEqual({
      wrapped: { name: 'target', kind: 'mcp' },
    })
    expect(order).toEqual(['outer:target', 'outer:target', 'outer:target'])
  })

  it('refuses a second next() call', async () => {
    const { executor } = executorWith([{ name: 'once', source: 'let n = 0; export default () => ++n' }])
    executor.use(async (_ctx, next) => {
      await next()
      return next()
    })
    expect((await executor.invoke('once')).error?.code).toBe('NEXT_CALLED_TWICE')
  })

  it('answers unknown names with __default__ and runs __init__ once at start', async () => {
    const { executor } = executorWith([
      { name: '__default__', source: 'export default (ctx: any) => "default for " + ctx.functionName' },
      { name: '__init__', source: 'import cloud from "@scraping-run/cloud"\nexport default (ctx: any) => { cloud.shared.set("init", ((cloud.shared.get("init") as number) ?? 0) + 1); cloud.shared.set("kind", ctx.trigger.kind) }' },
      { name: 'shared', source: 'import cloud from "@scraping-run/cloud"\nexport default () => [cloud.shared.get("init"), cloud.shared.get("kind")]' },
    ])
    expect((await executor.invoke('whatever')).data).toBe('default for whatever')
    expect((await executor.invoke('shared')).data).toEqual([1, 'init'])
    expect((await executor.invoke('shared')).data).toEqual([1, 'init'])
  })

  it('cloud.invoke goes through the interceptors with trigger kind invoke, and stops runaway recursion', async () => {
    const { executor } = executorWith([
      { name: 'callee', source: 'export default (ctx: any) => ({ got: ctx.body, kind: ctx.trigger.kind, caller: ctx.trigger.caller, user: ctx.user })' },
      { name: 'caller', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.invoke("callee", { body: 7 })' },
      { name: 'loop', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.invoke("loop")' },
    ])
    const seen: string[] = []
    executor.use((ctx, next) => {
      seen.push(`${ctx.functionName}:${ctx.trigger.kind}`)
      return next()
    })
    const result = await executor.invoke('caller', { user: { uid: 'u1' } })
    expect(result.data).toEqual({ got: 7, kind: 'invoke', caller: 'caller', user: { uid: 'u1' } })
    expect(seen).toEqual(['caller:invoke', 'callee:invoke'])
    const loop = await executor.invoke('loop')
    expect(loop.error?.code).toBe('INVOKE_DEPTH_EXCEEDED')
  })

  it('imports other functions by @/name and ./relative, refuses cycles, and evicts importers when a dependency changes', async () => {
    const { store, executor } = executorWith([
      { name: 'lib/math', source: 'export const k = 2\nexport const double = (x: number) => x * k' },
      { name: 'lib/use', source: 'import { double } from "./math"\nexport default () => double(10)' },
      { name: 'top', source: 'import { double } from "@/lib/math"\nlet calls = 0\nexport default () => [double(1), ++calls]' },
      { name: 'other', source: 'let calls = 0\nexport default () => ++calls' },
      { name: 'cyc/a', source: 'import "./b"\nexport default () => 1' },
      { name: 'cyc/b', source: 'import "./a"\nexport default () => 2' },
    ])
    expect((await executor.invoke('lib/use')).data).toBe(20)
    expect((await executor.invoke('top')).data).toEqual([2, 1])
    expect((await executor.invoke('top')).data).toEqual([2, 2])
    expect((await executor.invoke('other')).data).toBe(1)
    const cycle = await executor.invoke('cyc/a')
    expect(cycle.error?.code).toBe('CIRCULAR_IMPORT')
    expect(cycle.error?.message).toContain('cyc/a → cyc/b → cyc/a')

    const events: string[] = []
    executor.watch((event) => events.push(`${event.type}:${'name' in event ? event.name : ''}`))
    store.set({ name: 'lib/math', source: 'export const k = 3\nexport const double = (x: number) => x * k' })
    const top = await executor.invoke('top')
    expect([top.data, top.cold]).toEqual([[3, 1], true])
    expect((await executor.invoke('lib/use')).data).toBe(30)
    // Not an importer: kept warm, state intact.
    const other = await executor.invoke('other')
    expect([other.data, other.cold]).toEqual([2, false])
    expect(events).toEqual(['set:lib/math'])
  })

  it('requires npm packages from modulesRoot, including ESM-only ones, and reports missing ones', async () => {
    const { dir, cleanup } = await makeTempDir()
    try {
      const pkg = join(dir, 'node_modules', 'esm-only')
      await mkdir(pkg, { recursive: true })
      await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'esm-only', type: 'module', exports: './index.js' }))
      await writeFile(join(pkg, 'index.js'), 'export const answer = 42\nexport default "esm default"\n')
      const { executor } = executorWith(
        [
          { name: 'esm', source: 'import def, { answer } from "esm-only"\nexport default async () => { const again = await import("esm-only"); return [def, answer, again.answer] }' },
          { name: 'builtin', source: 'import { createHash } from "node:crypto"\nexport default () => createHash("sha1").update("x").digest("hex").length' },
          { name: 'missing', source: 'import "not-installed-anywhere"\nexport default () => 1' },
        ],
        { sandbox: vmSandbox({ modulesRoot: dir }) },
      )
      expect((await executor.invoke('esm')).data).toEqual(['esm default', 42, 42])
      expect((await executor.invoke('builtin')).data).toBe(40)
      expect((await executor.invoke('missing')).error?.code).toBe('MODULE_NOT_FOUND')
    } finally {
      await cleanup()
    }
  })

  it('captures console output per invocation, caps it, and sends one record per invocation to the sink', async () => {
    const sink = memorySink()
    const { executor } = executorWith(
      [
        { name: 'talk', source: 'export default (ctx: any) => { console.log("hello %s", ctx.body); console.error(new Error("oops")); return 1 }' },
        { name: 'flood', source: 'export default () => { for (let i = 0; i < 100000; i++) console.log("line", i); return "done" }' },
        { name: 'env', source: 'export default () => [process.env.GREETING, typeof (process as any).exit]' },
      ],
      { logSink: sink, env: { GREETING: 'hi' }, logLimits: { maxLines: 50 } },
    )
    const talk = await executor.invoke('talk', { body: 'world', requestId: 'req-1' })
    expect(talk.logs[0]).toMatchObject({ level: 'log', message: 'hello world', requestId: 'req-1', functionName: 'talk' })
    expect(talk.logs[1]!.level).toBe('error')
    expect(talk.logs[1]!.message).toContain('talk.ts:1:')
    const flood = await executor.invoke('flood')
    expect(flood.data).toBe('done')
    expect(flood.logs).toHaveLength(51)
    expect(flood.logs[50]!.message).toMatch(/truncated/)
    expect((await executor.invoke('env')).data).toEqual(['hi', 'undefined'])
    expect(sink.records.map((record) => [record.functionName, record.status, record.logs.length])).toEqual([
      ['talk', 'ok', 2],
      ['flood', 'ok', 51],
      ['env', 'ok', 0],
    ])
  })

  it('caps console output by bytes by default', async () => {
    const { executor } = executorWith([{ name: 'big', source: 'export default () => { for (let i = 0; i < 100; i++) console.log("x".repeat(10000)) }' }])
    const result = await executor.invoke('big')
    expect(result.logs.length).toBeLessThan(30)
    expect(result.logs.at(-1)!.message).toMatch(/truncated/)
  })

  it('keeps concurrent invocations apart (logs and cloud.invoke context)', async () => {
    const { executor } = executorWith([
      { name: 'slow', source: 'export default async (ctx: any) => { await new Promise(r => setTimeout(r, ctx.body.wait)); console.log("id", ctx.body.id); return ctx.body.id }' },
    ])
    const [a, b] = await Promise.all([
      executor.invoke('slow', { body: { id: 'a', wait: 30 } }),
      executor.invoke('slow', { body: { id: 'b', wait: 5 } }),
    ])
    expect([a.data, a.logs.map((log) => log.message), b.data, b.logs.map((log) => log.message)]).toEqual(['a', ['id a'], 'b', ['id b']])
  })

  it('reload() recompiles and resets module state; close() refuses further calls', async () => {
    const { executor } = executorWith([{ name: 'counter', source: 'let n = 0\nexport default () => ++n' }])
    await executor.invoke('counter')
    await executor.reload('counter')
    const again = await executor.invoke('counter')
    expect([again.data, again.cold]).toEqual([1, true])
    await executor.close()
    expect((await executor.invoke('counter')).error?.code).toBe('EXECUTOR_CLOSED')
  })

  it('gives functions cloud tokens with the executor secret, and NOT_CONFIGURED for database/mongo/storage', async () => {
    const { executor } = executorWith(
      [
        { name: 'token', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.parseToken(cloud.getToken({ uid: "u9" }))?.uid' },
        { name: 'db', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.database()' },
        { name: 'mongo', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.mongo' },
        { name: 'storage', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.storage' },
        { name: 'misc', source: 'import cloud from "@scraping-run/cloud"\nexport default () => [cloud.appid, cloud.env.A, cloud.sockets.size]' },
      ],
      { jwtSecret: 'secret', appid: 'app1', env: { A: 'a' } },
    )
    expect((await executor.invoke('token')).data).toBe('u9')
    expect(executor.parseToken(executor.getToken({ uid: 'x' }))?.uid).toBe('x')
    for (const name of ['db', 'mongo', 'storage']) {
      const result = await executor.invoke(name)
      expect(result.error?.code).toBe('NOT_CONFIGURED')
    }
    expect((await executor.invoke('misc')).data).toEqual(['app1', 'a', 0])
  })
})

describe('host safety', () => {
  it('survives a throw in a timer callback and an unhandled rejection, reporting both', async () => {
    const { executor } = executorWith([
      { name: 'late', source: 'export default () => { setTimeout(() => { throw new Error("late throw") }, 1); return "returned" }' },
      { name: 'floating', source: 'export default () => { Promise.reject(new Error("floating rejection")); return "returned" }' },
      { name: 'ok', source: 'export default () => "still alive"' },
    ])
    const errors: unknown[][] = []
    const original = console.error
    console.error = (...args: unknown[]) => void errors.push(args)
    try {
      expect((await executor.invoke('late')).data).toBe('returned')
      expect((await executor.invoke('floating')).data).toBe('returned')
      await new Promise((resolve) => setTimeout(resolve, 50))
    } finally {
      console.error = original
    }
    expect((await executor.invoke('ok')).data).toBe('still alive')
    const printed = errors.map((args) => args.join(' '))
    expect(printed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[late\] \(after the call ended.*late throw/s),
        expect.stringMatching(/^\[floating\] \(after the call ended.*floating rejection/s),
      ]),
    )
  })
})

describe('vmSandbox is not a security boundary (as the README says)', () => {
  it('hides the host process from plain code, but host objects lead back to it', async () => {
    const { executor } = executorWith([
      { name: 'plain', source: 'export default () => typeof (process as any).exit' },
      { name: 'escape', source: 'export default () => typeof (console.log as any).constructor("return process")().exit' },
    ])
    expect((await executor.invoke('plain')).data).toBe('undefined')
    expect((await executor.invoke('escape')).data).toBe('function')
  })
})

describe('startup', () => {
  it('__init__ can use cloud.invoke (LAF #1229) and invocations wait for it', async () => {
    const { executor } = executorWith([
      { name: '__init__', source: 'import cloud from "@scraping-run/cloud"\nexport default async () => { cloud.shared.set("seed", await cloud.invoke("seed", { body: 5 })) }' },
      { name: 'seed', source: 'export default async (ctx: any) => { await new Promise(r => setTimeout(r, 20)); return ctx.body * 2 }' },
      { name: 'read', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.shared.get("seed")' },
    ])
    expect((await executor.invoke('read')).data).toBe(10)
  })

  it('a missing optional peer fails with MISSING_PEER naming the package', async () => {
    const { importPeer } = await import('../src/peer.js')
    await expect(importPeer('scraping-run-not-installed-peer', 'this feature')).rejects.toMatchObject({
      code: 'MISSING_PEER',
      message: expect.stringContaining('npm install scraping-run-not-installed-peer'),
    })
  })
})

describe('cloud.invoke errors', () => {
  it('rethrow the callee error code, with the callee error as cause', async () => {
    const { executor } = executorWith([
      { name: 'slow', source: 'export default () => new Promise(() => {})', timeoutMs: 30 },
      { name: 'unconfigured', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.storage' },
      {
        name: 'caller',
        source: `import cloud from '@scraping-run/cloud'
        export default async (ctx: any) => {
          try { await cloud.invoke(ctx.body) } catch (error: any) { return [error.name, error.code, error.cause?.code] }
        }`,
      },
    ])
    expect((await executor.invoke('caller', { body: 'slow' })).data).toEqual(['RuntimeError', 'TIMEOUT', 'TIMEOUT'])
    expect((await executor.invoke('caller', { body: 'unconfigured' })).data).toEqual(['CloudError', 'NOT_CONFIGURED', 'NOT_CONFIGURED'])
    expect((await executor.invoke('caller', { body: 'nope' })).data).toEqual(['RuntimeError', 'FUNCTION_NOT_FOUND', 'FUNCTION_NOT_FOUND'])
  })
})

describe('vmSandbox({ syncTimeoutMs })', () => {
  it('interrupts a synchronous endless loop, in a call or at load, and the host keeps serving', async () => {
    const { executor } = executorWith(
      [
        { name: 'spin', source: 'export default (ctx: any) => { if (ctx.body === "spin") { while (true) {} } return "fine" }' },
        { name: 'spinAtLoad', source: 'while (true) {}\nexport default () => 1' },
      ],
      { sandbox: vmSandbox({ syncTimeoutMs: 50 }) },
    )
    const spun = await executor.invoke('spin', { body: 'spin' })
    expect(spun.error?.code).toBe('TIMEOUT')
    expect(spun.error?.message).toContain('syncTimeoutMs')
    expect((await executor.invoke('spin', { body: 'no' })).data).toBe('fine')
    expect((await executor.invoke('spinAtLoad')).error?.code).toBe('TIMEOUT')
  })
})
