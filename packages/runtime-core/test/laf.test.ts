// The LAF profile of the runtime (`laf: true` on createExecutor and the HTTP middleware): functions in LAF's documented
// style get LAF's answers, in the vm sandbox and in the isolate; without the switch today's answers stay.
import { getToken } from '@scraping-run/cloud'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createExecutor, isolateSandbox, isolateUnavailableReason, memoryStore, vmSandbox, type Sandbox } from '@scraping-run/runtime-core'
import { encodeDebugHeader, decodeDebugHeader } from '@scraping-run/runtime-core/express'
import { EXPRESS_VERSIONS, serve, type Served } from './helpers.js'
import { LAF_CASES, LAF_FUNCTIONS, type LafCase } from './laf-functions.js'

const SECRET = 'test-secret'
const isolateReason = (await isolateUnavailableReason()) ?? undefined

async function ask(base: string, item: LafCase) {
  const headers: Record<string, string> = { ...(item.request.headers ?? {}) }
  if (headers.authorization) headers.authorization = `Bearer ${getToken({ uid: 'u1' }, { secret: SECRET })}`
  const method = item.request.method ?? 'POST'
  let body: string | undefined
  if (item.request.body !== undefined) {
    body = JSON.stringify(item.request.body)
    headers['content-type'] = 'application/json'
  }
  const query = item.request.query ? `?${item.request.query.replace('<base>', encodeURIComponent(`${base}/fn`))}` : ''
  const response = await fetch(`${base}/fn/${item.name}${query}`, { method, headers, ...(body !== undefined ? { body } : {}) })
  const text = await response.text()
  const type = response.headers.get('content-type')
  let parsed: unknown = text
  if (type?.startsWith('application/json')) parsed = JSON.parse(text)
  return { status: response.status, type, body: parsed, requestId: response.headers.get('request-id') }
}

function matches(item: LafCase, got: Awaited<ReturnType<typeof ask>>): boolean {
  if (got.status !== item.laf.status) return false
  if (item.laf.type === null ? got.type !== null : !got.type?.startsWith(item.laf.type!)) return false
  const expected = JSON.parse(JSON.stringify(item.laf.body).replace('"<id>"', JSON.stringify(got.requestId)))
  return JSON.stringify(got.body) === JSON.stringify(expected)
}

const sandboxes: Array<[string, () => Sandbox, string | undefined]> = [
  ['vmSandbox', () => vmSandbox(), undefined],
  ['isolateSandbox', () => isolateSandbox({ warmIsolates: 1, fetch: { allow: ['127.0.0.1'] } }), isolateReason],
]

for (const [label, makeSandbox, skipReason] of sandboxes) {
  describe.skipIf(skipReason !== undefined)(`LAF-style functions with the profile on, ${label}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    let served: Served
    beforeAll(async () => {
      served = await serve(EXPRESS_VERSIONS[1][1], LAF_FUNCTIONS, {
        executor: { laf: true, sandbox: makeSandbox(), env: { APP_NAME: 'laf-app' }, mongo: { uri: inject('mongoUri'), dbName: uniqueDbName('laf') } },
        middleware: { laf: true },
      })
    })
    afterAll(() => served?.close())

    it('every function gets the answer LAF gives', { timeout: 60_000 }, async () => {
      const misses: string[] = []
      for (const item of LAF_CASES) {
        const got = await ask(served.base, item)
        if (!matches(item, got)) misses.push(`${item.name} (${item.area}): LAF ${JSON.stringify(item.laf)}, got ${JSON.stringify(got)}`)
      }
      console.log(`[laf profile, ${label}] ${LAF_CASES.length - misses.length} of ${LAF_CASES.length} LAF-style calls answer as on LAF`)
      expect(misses).toEqual([])
    })

    it("errors keep their message away from the client but in the log", async () => {
      const logs: string[] = []
      const got = await ask(served.base, LAF_CASES.find((item) => item.name === 'fails')!)
      expect(JSON.stringify(got.body)).not.toContain('hunter2')
      const direct = await served.executor.invoke('fails', {})
      logs.push(direct.error?.message ?? '')
      expect(logs[0]).toContain('hunter2')
    })
  })
}

describe('without the profile', () => {
  let served: Served
  beforeAll(async () => {
    served = await serve(EXPRESS_VERSIONS[1][1], LAF_FUNCTIONS, { executor: { env: { APP_NAME: 'laf-app' }, mongo: { uri: inject('mongoUri'), dbName: uniqueDbName('laf-off') } } })
  })
  afterAll(() => served?.close())

  it('fewer LAF-style calls answer as on LAF', { timeout: 60_000 }, async () => {
    let same = 0
    for (const item of LAF_CASES) if (matches(item, await ask(served.base, item))) same += 1
    console.log(`[laf profile off, vmSandbox] ${same} of ${LAF_CASES.length} LAF-style calls answer as on LAF`)
    expect(same).toBeLessThan(LAF_CASES.length)
  })

  it("today's answers stay: 204, text/plain, no ctx.request.params, the error's message", async () => {
    const byName = (name: string) => LAF_CASES.find((item) => item.name === name)!
    expect((await ask(served.base, byName('nothing'))).status).toBe(204)
    expect((await ask(served.base, byName('hello'))).type).toMatch(/^text\/plain/)
    expect((await ask(served.base, byName('params'))).body).toEqual({})
    expect(await ask(served.base, byName('fails'))).toMatchObject({ status: 500, body: { code: 'FUNCTION_ERROR', error: expect.stringContaining('hunter2') } })
    const proxyget = await served.executor.invoke('proxyget', { query: { url: 'http://127.0.0.1:1' } })
    expect(proxyget.error?.message).toMatch(/get/)
  })
})

describe('LAF headers', () => {
  let served: Served
  beforeAll(async () => {
    served = await serve(EXPRESS_VERSIONS[1][1], [
      { name: 'post-only', source: 'export default async () => "ran"', methods: ['POST'] },
      { name: 'debugged', source: 'export default async () => { console.log("stored") ; return "stored" }' },
    ], { executor: { laf: true }, middleware: { laf: true, debug: true } })
  })
  afterAll(() => served?.close())

  it('x-laf-trigger-token lets a trigger call any method; a bad one is refused', async () => {
    const trigger = served.executor.getToken({ type: 'trigger' })
    expect((await fetch(`${served.base}/fn/post-only`, { method: 'GET' })).status).toBe(405)
    const viaTrigger = await fetch(`${served.base}/fn/post-only`, { method: 'GET', headers: { 'x-laf-trigger-token': trigger } })
    expect([viaTrigger.status, await viaTrigger.text()]).toEqual([200, 'ran'])
    expect((await fetch(`${served.base}/fn/post-only`, { method: 'GET', headers: { 'x-laf-trigger-token': 'forged' } })).status).toBe(403)
  })

  it('x-laf-develop-token with x-laf-debug-data runs the sent code and answers x-laf-debug-logs / -time-usage', async () => {
    const develop = served.executor.getToken({ type: 'develop' })
    const doc = { name: 'debugged', source: { code: 'export default async (ctx: any) => { console.log("debug", 1 + 1); return "sent code" }', compiled: null, version: 1 } }
    const response = await fetch(`${served.base}/fn/debugged`, { method: 'POST', headers: { 'x-laf-develop-token': develop, 'x-laf-debug-data': encodeDebugHeader(doc) } })
    expect(await response.text()).toBe('sent code')
    const logs = decodeDebugHeader(response.headers.get('x-laf-debug-logs')!) as string[]
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/LOG \[debugged\] debug 2$/)
    expect(Number(response.headers.get('x-laf-debug-time-usage'))).toBeGreaterThanOrEqual(0)
    const bad = await fetch(`${served.base}/fn/debugged`, { method: 'POST', headers: { 'x-laf-develop-token': develop, 'x-laf-debug-data': 'not gzip' } })
    expect(await bad.json()).toMatchObject({ code: 'BAD_REQUEST' })
    expect((await fetch(`${served.base}/fn/debugged`, { headers: { 'x-laf-develop-token': 'forged' } })).status).toBe(403)
  })

  it('echoes the request id as request-id, as LAF does', async () => {
    const response = await fetch(`${served.base}/fn/debugged`, { method: 'POST', headers: { 'x-request-id': 'abc-123' } })
    expect(response.headers.get('request-id')).toBe('abc-123')
  })
})

describe("LAF's legacy interceptor (one argument, returns true or false)", () => {
  const legacy = { name: '__interceptor__', source: "export default async function (ctx: any) {\n  return ctx.headers['x-ok'] === '1'\n}" }
  const hello = { name: 'hello', source: 'export default async () => "ran"' }

  it('true lets the call through, false answers 403 Forbidden; without the profile the value is the answer', async () => {
    const on = await serve(EXPRESS_VERSIONS[1][1], [legacy, hello], { executor: { laf: true }, middleware: { laf: true } })
    const off = await serve(EXPRESS_VERSIONS[1][1], [legacy, hello])
    try {
      const allowed = await fetch(`${on.base}/fn/hello`, { method: 'POST', headers: { 'x-ok': '1' } })
      expect([allowed.status, await allowed.text()]).toEqual([200, 'ran'])
      const refused = await fetch(`${on.base}/fn/hello`, { method: 'POST' })
      expect(refused.status).toBe(403)
      expect(await refused.json()).toMatchObject({ error: 'Forbidden', requestId: expect.any(String) })
      const today = await fetch(`${off.base}/fn/hello`, { method: 'POST', headers: { 'x-ok': '1' } })
      expect(await today.json()).toBe(true)
    } finally {
      await on.close()
      await off.close()
    }
  })
})

describe('cloud.fetch', () => {
  it('is absent without the profile and axios-like with it (status errors reject with error.response)', async () => {
    const source = `import cloud from '@lafjs/cloud'
export default async function (ctx: any) {
  if (!cloud.fetch) return 'none'
  try { await cloud.fetch({ url: ctx.body.url, method: 'get' }) } catch (error: any) { return { message: error.message, status: error.response.status } }
}`
    const off = createExecutor({ store: memoryStore([{ name: 'f', source }]) })
    expect((await off.invoke('f', { body: { url: 'http://127.0.0.1:1' } })).data).toBe('none')
    await off.close()
    const served = await serve(EXPRESS_VERSIONS[1][1], [{ name: 'missing', source: 'export default async () => { throw new Error("x") }' }])
    const on = createExecutor({ store: memoryStore([{ name: 'f', source }]), laf: true })
    try {
      expect((await on.invoke('f', { body: { url: `${served.base}/fn/missing` } })).data).toEqual({ message: 'Request failed with status code 500', status: 500 })
    } finally {
      await on.close()
      await served.close()
    }
  })
})
