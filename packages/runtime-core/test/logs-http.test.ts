import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import { uniqueDbName } from '@scraping-run/test-utils'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { createExecutor, createLogsHandler, memorySink, memoryStore, mongoSink, type Executor, type MongoSink } from '@scraping-run/runtime-core'
import { functionsMiddleware } from '@scraping-run/runtime-core/express'

const SECRET = 'logs-route-secret'
let client: MongoClient
let server: Server
let base: string
let executor: Executor
let sink: MongoSink

beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'))
  sink = mongoSink({ db: client.db(uniqueDbName('logs-http')), flushMs: 10 })
  executor = createExecutor({
    store: memoryStore([{ name: 'hello', source: 'export default (ctx: any) => { console.log("hi", ctx.body?.name); return "ok" }' }]),
    jwtSecret: SECRET,
    logSink: sink,
  })
  const app = express()
  app.use('/fn', functionsMiddleware(executor))
  app.use('/logs', createLogsHandler({ sink, executor }))
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await executor.close()
  await client.close()
})

const admin = () => ({ authorization: `Bearer ${executor.getToken({ type: 'admin', uid: 'ops' })}` })

describe('the logs route', () => {
  it('finds one HTTP request’s record by the request id it was answered with', async () => {
    const response = await fetch(`${base}/fn/hello`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) })
    const requestId = response.headers.get('x-request-id')!
    await fetch(`${base}/fn/hello`, { method: 'POST' })
    await sink.flush()
    const found = await fetch(`${base}/logs/${requestId}`, { headers: admin() })
    expect(found.status).toBe(200)
    const { logs } = (await found.json()) as { logs: any[] }
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ requestId, functionName: 'hello', status: 'ok', trigger: { kind: 'http' } })
    expect(logs[0].logs.map((line: any) => line.message)).toEqual(['hi Ada'])
    expect(typeof logs[0].startedAt).toBe('string')
    const byQuery = (await (await fetch(`${base}/logs?requestId=${requestId}`, { headers: admin() })).json()) as { logs: any[] }
    expect(byQuery.logs.map((record) => record.requestId)).toEqual([requestId])
    const byFunction = (await (await fetch(`${base}/logs?functionName=hello&status=ok&trigger=http&limit=1`, { headers: admin() })).json()) as { logs: any[] }
    expect(byFunction.logs).toHaveLength(1)
  })

  it('answers nobody without an admin token: 401 without one (or with a forged one), 403 for a user token', async () => {
    const forged = createExecutor({ store: memoryStore(), jwtSecret: 'another-secret' })
    const cases: Array<[Record<string, string>, number, string]> = [
      [{}, 401, 'UNAUTHORIZED'],
      [{ authorization: 'Bearer not-a-jwt' }, 401, 'UNAUTHORIZED'],
      [{ authorization: `Bearer ${forged.getToken({ type: 'admin' })}` }, 401, 'UNAUTHORIZED'],
      [{ authorization: `Bearer ${executor.getToken({ uid: 'someone' })}` }, 403, 'FORBIDDEN'],
      [{ authorization: `Bearer ${executor.getToken({ type: 'develop' })}` }, 403, 'FORBIDDEN'],
    ]
    await forged.close()
    for (const [headers, status, code] of cases) {
      const response = await fetch(`${base}/logs?functionName=hello`, { headers })
      expect([response.status, ((await response.json()) as any).code]).toEqual([status, code])
    }
    // Even a wrong method learns nothing before authentication.
    expect((await fetch(`${base}/logs`, { method: 'DELETE' })).status).toBe(401)
    expect((await fetch(`${base}/logs`, { method: 'DELETE', headers: admin() })).status).toBe(405)
  })

  it('refuses malformed queries with 400, never widening them', async () => {
    for (const query of ['?limit=abc', '?limit=0', '?status=maybe', '?since=yesterday', '?requestId[$ne]=x', '?requestId=a&requestId=b', '/a/b', '/x?requestId=y']) {
      const response = await fetch(`${base}/logs${query}`, { headers: admin() })
      expect([query, response.status, ((await response.json()) as any).code]).toEqual([query, 400, 'BAD_REQUEST'])
    }
  })

  it('takes a host-provided authenticate(req) instead of tokens, and refuses to build a route without authentication', async () => {
    const handler = createLogsHandler({ sink: memorySink(), authenticate: (req) => req.headers['x-api-key'] === 'k' })
    const app = express()
    app.use('/logs', handler)
    const local: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
    })
    const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}/logs`
    try {
      expect((await fetch(url, { headers: { 'x-api-key': 'k' } })).status).toBe(200)
      expect((await fetch(url, { headers: { 'x-api-key': 'nope' } })).status).toBe(401)
      expect((await fetch(url, { headers: admin() })).status).toBe(401)
    } finally {
      local.closeAllConnections()
      await new Promise((resolve) => local.close(resolve))
    }
    expect(() => createLogsHandler({ sink: memorySink() })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    expect(() => createLogsHandler({ sink: {} as never, executor })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })
})
