// The panels' routes behind authentication: the compile check, the run panel (as an HTTP call would run), the logs query.
import { getToken } from '@scraping-run/cloud'
import { createExecutor, functionRegistry, memorySink, memoryStore } from '@scraping-run/runtime-core'
import { uniqueDbName } from '@scraping-run/test-utils'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createConsoleApi, type ConsoleApi } from '../src/index.js'

const SECRET = 'console-api-secret'
const headers = { authorization: `Bearer ${getToken({ type: 'admin', sub: 'ada' }, { secret: SECRET })}` }
let client: MongoClient
let api: ConsoleApi
const logs = memorySink()
const executor = createExecutor({
  store: memoryStore([
    { name: 'greet', source: 'export default (ctx) => { console.log("hi", ctx.user?.uid); return { user: ctx.user?.uid ?? null, q: ctx.query.q ?? null, body: ctx.body } }' },
    { name: 'getter', methods: ['GET'], source: 'export default () => "got"' },
  ]),
  jwtSecret: SECRET,
  logSink: logs,
})

beforeAll(() => {
  client = new MongoClient(inject('mongoUri'))
  api = createConsoleApi({ registry: functionRegistry({ db: client.db(uniqueDbName('console-api')) }), executors: { dev: executor }, logs, authenticate: { jwtSecret: SECRET } })
})
afterAll(async () => {
  await executor.close()
  await client?.close()
})

const post = (url: string, body: unknown) => api.handle({ method: 'POST', url, headers, body })

describe('console API', () => {
  it('compile: ok, or the first syntax error with its line and column', async () => {
    expect((await post('/compile', { name: 'a', source: 'export default () => 1' })).body).toEqual({ ok: true })
    const broken = (await post('/compile', { name: 'a', source: 'export default () => {\n  return (1 +\n}' })).body as Record<string, unknown>
    expect(broken).toMatchObject({ ok: false, line: 3, column: 0 })
  })

  it('run: as a user, with query and body; status, result, cold then warm, and console lines', async () => {
    const first = (await post('/run', { environment: 'dev', name: 'greet', query: { q: '1' }, body: { a: 1 }, uid: 'ada' })).body as Record<string, any>
    expect(first).toMatchObject({ status: 200, data: { user: 'ada', q: '1', body: { a: 1 } }, cold: true })
    expect(first.logs.map((record: { message?: string }) => record.message)).toEqual(['hi ada'])
    expect(((await post('/run', { environment: 'dev', name: 'greet' })).body as Record<string, any>).cold).toBe(false)
  })

  it('run: refuses a method the function does not list (405) and an unknown function (404), like HTTP', async () => {
    expect((await post('/run', { environment: 'dev', name: 'getter', method: 'POST' })).body).toMatchObject({ status: 405, error: { code: 'METHOD_NOT_ALLOWED' } })
    expect((await post('/run', { environment: 'dev', name: 'getter', method: 'GET' })).body).toMatchObject({ status: 200, data: 'got' })
    expect((await post('/run', { environment: 'dev', name: 'nope' })).body).toMatchObject({ status: 404 })
    expect((await post('/run', { environment: 'qa', name: 'greet' })).status).toBe(400)
  })

  it('logs: the runs above, filtered by function and status', async () => {
    const all = await api.handle({ method: 'GET', url: '/logs?environment=dev&functionName=greet', headers })
    expect((all.body as unknown[]).length).toBe(2)
    const errors = await api.handle({ method: 'GET', url: '/logs?environment=dev&status=error', headers })
    expect((errors.body as Array<{ functionName: string }>).map((r) => r.functionName).sort()).toEqual(['getter', 'nope'])
    expect((await api.handle({ method: 'GET', url: '/logs?environment=dev&status=bogus', headers })).status).toBe(400)
  })
})
