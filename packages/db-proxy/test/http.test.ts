// Every action end to end over HTTP (Express 5 and 4), with JWT users, against MongoDB.
import { getToken } from '@scraping-run/cloud'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createDbProxy, type Policy } from '../src/index.js'
import { A } from './helpers.js'
import { useDb } from './mongo.js'
import { dbProxyRouter } from '../src/express.js'
import { EXPRESS_VERSIONS, post, SECRET, serve } from './server.js'

const { db } = useDb()

const policy: Policy = {
  posts: {
    read: true,
    count: true,
    aggregate: true,
    add: { condition: 'has(auth.uid)', data: { title: { required: true, length: [1, 50] }, author: { required: true, condition: 'value == auth.uid' }, likes: { number: [0, 0], default: 0 } } },
    update: { condition: 'query.author == auth.uid', data: ['title'] },
    remove: 'query.author == auth.uid',
  },
}

const alice = getToken({ uid: 'alice' }, { secret: SECRET })

describe.each(EXPRESS_VERSIONS)('over HTTP with %s', (_name, expressLib) => {
  let server: Awaited<ReturnType<typeof serve>>
  beforeAll(async () => {
    server = await serve(expressLib, createDbProxy({ db: db(), policies: { app: policy } }), { maxBodyBytes: 64 * 1024 })
  })
  afterAll(() => server.close())
  beforeEach(async () => {
    await db().collection('posts').deleteMany({})
    await db().collection('posts').insertMany([
      { _id: 'p1' as never, title: 'one', author: 'alice', likes: 0 },
      { _id: 'p2' as never, title: 'two', author: 'bob', likes: 0 },
    ])
  })

  it('reads, counts and aggregates anonymously', async () => {
    const read = await post(server.base, 'app', { action: A.read, collectionName: 'posts', query: { author: 'bob' } })
    expect(read).toEqual({ status: 200, body: { code: 0, data: { list: [{ _id: 'p2', title: 'two', author: 'bob', likes: 0 }], limit: 100, offset: 0 } } })
    const count = await post(server.base, 'app', { action: A.count, collectionName: 'posts', query: {} })
    expect(count.body).toEqual({ code: 0, data: { total: 2 } })
    const aggregate = await post(server.base, 'app', { action: A.aggregate, collectionName: 'posts', stages: [{ stageKey: '$count', stageValue: '"n"' }] })
    expect(aggregate.body).toEqual({ code: 0, data: { list: [{ n: 2 }] } })
  })

  it('adds as the signed-in user, with defaults, and refuses anonymous or forged authors', async () => {
    const added = await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { _id: 'p3', title: 'three', author: 'alice' } }, alice)
    expect(added).toEqual({ status: 200, body: { code: 0, data: { _id: 'p3', insertedCount: 1 } } })
    expect(await db().collection('posts').findOne({ _id: 'p3' as never })).toEqual({ _id: 'p3', title: 'three', author: 'alice', likes: 0 })
    const anonymous = await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { title: 'x', author: 'alice' } })
    expect(anonymous.status).toBe(403)
    expect(anonymous.body.code).toBe('permission denied')
    expect(anonymous.body.error[0]).toMatchObject({ rule: 'app.posts.add[0]', validator: 'condition' })
    const forged = await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { title: 'x', author: 'bob' } }, alice)
    expect(forged.status).toBe(403)
    const wrongSecret = getToken({ uid: 'alice' }, { secret: 'other' })
    expect((await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { title: 'x', author: 'alice' } }, wrongSecret)).status).toBe(403)
  })

  it('updates and removes only the owner’s documents', async () => {
    const own = await post(server.base, 'app', { action: A.update, collectionName: 'posts', query: { _id: 'p1', author: 'alice' }, data: { $set: { title: 'uno' } } }, alice)
    expect(own.body).toEqual({ code: 0, data: { upsert_id: null, updated: 1, matched: 1 } })
    const other = await post(server.base, 'app', { action: A.update, collectionName: 'posts', query: { _id: 'p2', author: 'bob' }, data: { $set: { title: 'mine' } } }, alice)
    expect(other.status).toBe(403)
    const removeOther = await post(server.base, 'app', { action: A.remove, collectionName: 'posts', query: { author: 'bob' } }, alice)
    expect(removeOther.status).toBe(403)
    const removeOwn = await post(server.base, 'app', { action: A.remove, collectionName: 'posts', query: { _id: 'p1', author: 'alice' } }, alice)
    expect(removeOwn.body).toEqual({ code: 0, data: { deleted: 1 } })
    expect(await db().collection('posts').find().toArray()).toEqual([{ _id: 'p2', title: 'two', author: 'bob', likes: 0 }])
  })

  it('answers 404 for an unknown policy, 400 for malformed JSON, unknown actions and bad EJSON', async () => {
    expect((await post(server.base, 'nope', { action: A.read, collectionName: 'posts' })).status).toBe(404)
    const malformed = await post(server.base, 'app', '{"action": ')
    expect(malformed.status).toBe(400)
    expect(malformed.body.code).toBe('BAD_REQUEST')
    const unknown = await post(server.base, 'app', { action: 'database.watchDocument', collectionName: 'posts' })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toContain('unknown action')
    const badEjson = await post(server.base, 'app', { action: A.read, collectionName: 'posts', query: { _id: { $oid: 'zz' } } })
    expect(badEjson.status).toBe(400)
    expect(badEjson.body.error).toContain('Extended JSON')
  })

  it('answers 413 over the body cap, and leaves other paths and methods to the app', async () => {
    const big = await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { title: 'x'.repeat(100 * 1024), author: 'alice' } }, alice)
    expect(big.status).toBe(413)
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE')
    expect((await fetch(`${server.base}/proxy/app`)).status).toBe(404)
    expect((await fetch(`${server.base}/proxy/app/extra`, { method: 'POST', body: '{}' })).status).toBe(404)
  })
})

describe('with a body parser in front', () => {
  it('uses the parsed body', async () => {
    const server = await serve(EXPRESS_VERSIONS[0][1], createDbProxy({ db: db(), policies: { app: policy } }), { bodyParser: true })
    try {
      const result = await post(server.base, 'app', { action: A.count, collectionName: 'posts', query: {} })
      expect(result.status).toBe(200)
    } finally {
      await server.close()
    }
  })
})

describe('tenants over HTTP', () => {
  it('passes the Express request to tenant(req)', async () => {
    const tenantDb = `${db().databaseName}_http`
    await db().client.db(tenantDb).collection('__policies__').insertOne({ name: 'app', rules: { notes: { add: true } } })
    const seen: string[] = []
    const proxy = createDbProxy({
      db: db(),
      tenant: (req) => {
        seen.push(`${req.method} ${req.originalUrl}`)
        return String(req.headers['x-tenant'])
      },
    })
    const server = await serve(EXPRESS_VERSIONS[0][1], proxy)
    try {
      const response = await fetch(`${server.base}/proxy/app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tenant': tenantDb },
        body: JSON.stringify({ action: A.add, collectionName: 'notes', data: { n: 1 } }),
      })
      expect(response.status).toBe(200)
      expect(seen).toEqual(['POST /proxy/app'])
      expect(await db().client.db(tenantDb).collection('notes').countDocuments()).toBe(1)
    } finally {
      await server.close()
      await db().client.db(tenantDb).dropDatabase()
    }
  })
})

describe('getUser', () => {
  it('takes the user from the host app instead of a JWT', async () => {
    const app = EXPRESS_VERSIONS[1][1]()
    app.use((req, _res, next) => {
      ;(req as unknown as { user: unknown }).user = req.headers['x-user'] ? { uid: req.headers['x-user'] } : null
      next()
    })
    const proxy = createDbProxy({ db: db(), policies: { app: { notes: { read: 'has(auth.uid)' } } } })
    app.use('/proxy', dbProxyRouter(proxy, { getUser: (req) => (req as unknown as { user: { uid: string } | null }).user }))
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    try {
      const ask = (user?: string) =>
        fetch(`${base}/proxy/app`, { method: 'POST', headers: user ? { 'x-user': user } : {}, body: JSON.stringify({ action: A.read, collectionName: 'notes' }) })
      expect((await ask('alice')).status).toBe(200)
      expect((await ask()).status).toBe(403)
    } finally {
      server.closeAllConnections?.()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('body cap', () => {
  it('answers 413 at once when the declared length is far over the cap, and 413 after draining when slightly over', async () => {
    const server = await serve(EXPRESS_VERSIONS[0][1], createDbProxy({ db: db(), policies: { app: policy } }), { maxBodyBytes: 1024 })
    try {
      const far = await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { title: 'x'.repeat(64 * 1024) } }, alice)
      expect(far).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } })
      const near = await post(server.base, 'app', { action: A.add, collectionName: 'posts', data: { title: 'x'.repeat(2 * 1024) } }, alice)
      expect(near).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } })
      const fits = await post(server.base, 'app', { action: A.count, collectionName: 'posts', query: {} })
      expect(fits.status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
