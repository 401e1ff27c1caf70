// Every route of the console refuses without the admin authentication: the page's API, the admin API under it, and
// unknown paths; a user token (not type "admin") is refused too. The static page holds no data and is served to anyone.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getToken } from '@scraping-run/cloud'
import { createExecutor, functionRegistry, memorySink, memoryStore } from '@scraping-run/runtime-core'
import { uniqueDbName } from '@scraping-run/test-utils'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CONSOLE_ROUTES } from '../src/api.js'
import { consoleRouter, ConsoleError } from '../src/index.js'

const SECRET = 'console-test-secret'
const ADMIN_ROUTES = [
  'GET /admin/functions?environment=dev',
  'GET /admin/functions/hello',
  'PUT /admin/functions/hello',
  'DELETE /admin/functions/hello?environment=dev',
  'POST /admin/functions/hello:publish',
  'POST /admin/functions/hello:promote',
  'POST /admin/functions/hello:rollback',
  'GET /admin/functions/hello:history?environment=dev',
  'GET /admin/env?environment=dev',
  'PUT /admin/env/NAME',
  'DELETE /admin/env/NAME?environment=dev',
  'GET /nope',
]

let client: MongoClient
let server: Server
let base: string
beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'))
  const registry = functionRegistry({ db: client.db(uniqueDbName('console-auth')), pipeline: ['dev', 'prod'] })
  const executor = createExecutor({ store: memoryStore([{ name: 'hello', source: 'export default () => "hi"' }]), jwtSecret: SECRET })
  const router = consoleRouter({
    registry,
    executors: { dev: executor, prod: executor },
    logs: memorySink(),
    mcp: { listTools: async () => [], callTool: async () => ({}) },
    proxy: { policies: { app: {} }, check: async () => ({ allowed: true }) },
    authenticate: { jwtSecret: SECRET },
  })
  server = createServer((req, res) => router(req, res, () => res.writeHead(404).end()))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await client?.close()
})

const call = (route: string, authorization?: string) => {
  const [method, path] = route.split(' ') as [string, string]
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (authorization) headers.authorization = authorization
  return fetch(`${base}/api${path}`, { method, headers, ...(method === 'GET' ? {} : { body: JSON.stringify({ environment: 'dev', name: 'hello', source: 'x' }) }) })
}

describe('authentication', () => {
  const every = [...CONSOLE_ROUTES.map((route) => (route.startsWith('GET') ? `${route}?environment=dev` : route)), ...ADMIN_ROUTES]

  it.each(every)('%s answers 401 without a token', async (route) => {
    const res = await call(route)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it.each(every)('%s answers 401 with a token signed by another secret, 403 with a user token', async (route) => {
    expect((await call(route, `Bearer ${getToken({ type: 'admin', sub: 'x' }, { secret: 'other' })}`)).status).toBe(401)
    expect((await call(route, `Bearer ${getToken({ uid: 'alice' }, { secret: SECRET })}`)).status).toBe(403)
  })

  it('answers with an admin token, and limits a token scoped to some environments', async () => {
    const admin = `Bearer ${getToken({ type: 'admin', sub: 'ada' }, { secret: SECRET })}`
    const session = await call('GET /session', admin)
    expect(session.status).toBe(200)
    expect(await session.json()).toMatchObject({ subject: 'ada', environments: [{ name: 'dev' }, { name: 'prod' }] })
    const devOnly = `Bearer ${getToken({ type: 'admin', sub: 'ci', environments: ['dev'] }, { secret: SECRET })}`
    expect((await call('GET /logs?environment=prod', devOnly)).status).toBe(403)
    expect((await call('GET /logs?environment=dev', devOnly)).status).toBe(200)
  })

  it('serves the page itself to anyone: it holds no data', async () => {
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('app.js')
    // fetch asks for gzip and inflates it; the script goes out compressed.
    const script = await fetch(`${base}/app.js`)
    expect(script.headers.get('content-encoding')).toBe('gzip')
    expect(Number(script.headers.get('content-length'))).toBeLessThan((await script.arrayBuffer()).byteLength / 2)
  })

  it('refuses to start without authentication or environments', () => {
    const registry = functionRegistry({ db: client.db('unused') })
    const failure = (start: () => unknown) => {
      try {
        start()
      } catch (error) {
        return ConsoleError.is(error, 'INVALID_OPTIONS') ? error.message : `other error: ${String(error)}`
      }
      return 'started'
    }
    expect(failure(() => consoleRouter({ registry, environments: ['dev'] } as never))).toMatch(/authenticate/)
    expect(failure(() => consoleRouter({ registry, authenticate: { jwtSecret: SECRET } }))).toMatch(/executors|environments/)
  })
})
