import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { getToken } from '@scraping-run/cloud'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { adminRouter, createAdminApi, envRegistry, functionRegistry } from '@scraping-run/runtime-core'
import { EXPRESS_VERSIONS } from './helpers.js'

const SECRET = 'admin-test-secret'
const clients: MongoClient[] = []
let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})
afterAll(async () => {
  for (const client of clients) await client.close()
})

function freshDb(): Db {
  const client = new MongoClient(inject('mongoUri'))
  clients.push(client)
  return client.db(uniqueDbName('admin'))
}

const token = (payload: Record<string, unknown>) => getToken({ type: 'admin', sub: 'ada', ...payload }, { secret: SECRET })

describe.each(EXPRESS_VERSIONS)('admin API over %s', (_label, express) => {
  async function start(db: Db, options: { json?: boolean; authenticate?: Parameters<typeof createAdminApi>[0]['authenticate'] } = {}) {
    const admin = createAdminApi({
      registry: functionRegistry({ db, pipeline: ['dev', 'staging', 'prod'] }),
      env: envRegistry({ db, secretKey: randomBytes(32) }),
      jwtSecret: SECRET,
      ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    })
    const app = (express as any)()
    if (options.json) app.use((express as any).json({ limit: '5mb' }))
    app.use('/admin', adminRouter(admin))
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
    })
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`
    return async (method: string, path: string, body?: unknown, auth: string | null = token({})) => {
      const response = await fetch(base + path, {
        method,
        headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: (await response.json()) as any }
    }
  }

  for (const json of [false, true]) {
    it(`put, publish, promote, history, rollback, list, get, delete round trip${json ? ' (behind express.json())' : ''}`, async () => {
      const call = await start(freshDb(), { json })
      expect((await call('PUT', '/functions/a/b', { source: 'export default () => 1' })).body).toMatchObject({ name: 'a/b', packages: [] })
      expect((await call('POST', '/functions/a/b:publish', { environment: 'dev' })).body).toMatchObject({ version: 1, by: 'ada' })
      await call('PUT', '/functions/a/b', { source: 'export default () => 2' })
      await call('POST', '/functions/a/b:publish', { environment: 'dev' })
      expect((await call('POST', '/functions/a/b:promote', { from: 'dev', to: 'staging' })).body).toMatchObject({ environment: 'staging', version: 1, promotedFrom: { environment: 'dev', version: 2 } })
      const history = await call('GET', '/functions/a/b:history?environment=dev')
      expect(history.body.map((entry: any) => [entry.version, entry.by])).toEqual([
        [2, 'ada'],
        [1, 'ada'],
      ])
      expect((await call('POST', '/functions/a/b:rollback', { environment: 'dev', version: 1 })).body).toMatchObject({ version: 3, rollbackOf: 1 })
      expect((await call('GET', '/functions/a/b?environment=dev')).body).toMatchObject({ source: 'export default () => 1', version: 3 })
      expect((await call('GET', '/functions?environment=staging')).body).toMatchObject([{ name: 'a/b', version: 1 }])
      expect((await call('DELETE', '/functions/a/b?environment=dev')).body).toEqual({ removed: 1 })
      expect(await call('GET', '/functions/a/b?environment=dev')).toMatchObject({ status: 404, body: { code: 'FUNCTION_NOT_FOUND' } })
    })
  }

  it('no route answers without authentication; a non-admin or wrongly signed token is refused', async () => {
    const call = await start(freshDb())
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/functions?environment=dev'],
      ['GET', '/functions/x?environment=dev'],
      ['PUT', '/functions/x', { source: 'export default () => 1' }],
      ['DELETE', '/functions/x'],
      ['POST', '/functions/x:publish', { environment: 'dev' }],
      ['POST', '/functions/x:promote', { from: 'dev', to: 'staging' }],
      ['GET', '/functions/x:history?environment=dev'],
      ['POST', '/functions/x:rollback', { environment: 'dev', version: 1 }],
      ['GET', '/env?environment=dev'],
      ['PUT', '/env/KEY', { environment: 'dev', value: 'v' }],
      ['DELETE', '/env/KEY?environment=dev'],
      ['GET', '/nothing-here'],
    ]
    for (const [method, path, body] of routes) {
      expect(await call(method, path, body, null), `${method} ${path}`).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } })
      expect((await call(method, path, body, getToken({ type: 'develop' }, { secret: SECRET }))).status).toBe(403)
      expect((await call(method, path, body, getToken({ type: 'admin' }, { secret: 'other' }))).status).toBe(401)
    }
  })

  it('an environment-scoped token acts only on its environments', async () => {
    const call = await start(freshDb())
    const dev = token({ sub: 'dev-bot', environments: ['dev', 'staging'] })
    const prod = token({ sub: 'release', environments: ['prod'] })
    await call('PUT', '/functions/f', { source: 'export default () => 1' }, dev)
    await call('POST', '/functions/f:publish', { environment: 'dev' }, dev)
    await call('POST', '/functions/f:promote', { from: 'dev', to: 'staging' }, dev)
    expect(await call('POST', '/functions/f:promote', { from: 'staging', to: 'prod' }, dev)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } })
    expect(await call('POST', '/functions/f:promote', { from: 'staging', to: 'prod' }, prod)).toMatchObject({ status: 200, body: { by: 'release', environment: 'prod' } })
    expect((await call('POST', '/functions/f:rollback', { environment: 'prod', version: 1 }, dev)).status).toBe(403)
    expect((await call('DELETE', '/functions/f', undefined, dev)).status).toBe(403)
    expect((await call('PUT', '/env/K', { environment: 'prod', value: 'x' }, dev)).status).toBe(403)
    expect((await call('GET', '/functions:history', undefined, dev)).status).toBe(404)
  })

  it('answers JSON errors with codes: syntax error with its position, bad JSON, out-of-order promotion, unknown route', async () => {
    const call = await start(freshDb())
    expect(await call('PUT', '/functions/bad', { source: 'export default () => {' })).toMatchObject({ status: 400, body: { code: 'COMPILE_ERROR', line: 1, column: 22 } })
    await call('PUT', '/functions/f', { source: 'export default () => 1' })
    await call('POST', '/functions/f:publish', { environment: 'dev' })
    expect(await call('POST', '/functions/f:promote', { from: 'dev', to: 'prod' })).toMatchObject({ status: 409, body: { code: 'PROMOTION_ORDER' } })
    expect(await call('POST', '/functions/f:publish', {})).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } })
    expect(await call('GET', '/nothing')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })
    const response = await fetch(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/admin/functions/f`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token({})}`, 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).code).toBe('BAD_REQUEST')
  })

  it('env: set a secret, list names and times only, never the value; a host authenticate() works too', async () => {
    const call = await start(freshDb(), { authenticate: (request) => (request.headers['x-host-admin'] === 'yes' ? { subject: 'host' } : null) })
    const value = 'very-secret-value-123'
    expect((await call('PUT', '/env/API_KEY', { environment: 'prod', value, secret: true })).body).toMatchObject({ name: 'API_KEY', secret: true })
    const listed = await call('GET', '/env?environment=prod')
    expect(listed.body).toEqual([{ name: 'API_KEY', secret: true, updatedAt: expect.any(String), updatedBy: 'ada' }])
    expect(JSON.stringify(listed.body)).not.toContain(value)
    expect((await call('GET', '/env/API_KEY?environment=prod')).status).toBe(404)
    expect((await call('DELETE', '/env/API_KEY?environment=prod')).body).toEqual({ deleted: true })
    expect((await call('DELETE', '/env/API_KEY?environment=prod')).body.code).toBe('ENV_NOT_FOUND')
    const host = await fetch(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/admin/env?environment=prod`, { headers: { 'x-host-admin': 'yes' } })
    expect(host.status).toBe(200)
  })
})
