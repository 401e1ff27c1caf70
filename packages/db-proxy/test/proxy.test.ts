// createDbProxy's options against MongoDB: policy sources and caching, injector, tenants, database-backed constraints,
// custom validators, the direct transport.
import { describe, expect, it } from 'vitest'
import { compilePolicy, createDatabaseProvider, createDbProxy, createDirectTransport, DbProxyError } from '../src/index.js'
import { A } from './helpers.js'
import { useDb } from './mongo.js'

const { db, client } = useDb()

describe('policy sources', () => {
  it('reads {name, rules} from __policies__ by default, caches it, and recompiles after invalidate()', async () => {
    await db().collection('__policies__').insertOne({ name: 'app', rules: { notes: { read: true } } })
    const proxy = createDbProxy({ db: db() })
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, null)).status).toBe(200)
    await db().collection('__policies__').updateOne({ name: 'app' }, { $set: { rules: { notes: { read: false } } } })
    // Still cached (5 s): the old rules apply until the cache expires or is invalidated.
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, null)).status).toBe(200)
    proxy.invalidate('app')
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, null)).status).toBe(403)
    expect((await proxy.handle('missing', { action: A.read, collectionName: 'notes' }, null)).status).toBe(404)
  })

  it('accepts rules stored as a JSON string, and reports a broken stored policy as INVALID_POLICY (500)', async () => {
    await db().collection('rules').insertMany([
      { name: 'json', rules: JSON.stringify({ notes: { read: true } }) },
      { name: 'broken', rules: { notes: { read: 'auth.uid ==' } } },
    ])
    const proxy = createDbProxy({ db: db(), policies: db().collection('rules') })
    expect((await proxy.handle('json', { action: A.read, collectionName: 'notes' }, null)).status).toBe(200)
    const broken = await proxy.handle('broken', { action: A.read, collectionName: 'notes' }, null)
    expect(broken.status).toBe(500)
    expect(broken.body).toMatchObject({ code: 'INVALID_POLICY' })
    expect((broken.body as { error: string }).error).toContain('broken.notes.read[0]')
  })

  it('calls an async function for a policy; a fixed policy that does not compile answers INVALID_POLICY', async () => {
    const asked: string[] = []
    const proxy = createDbProxy({
      db: db(),
      policies: async (name) => {
        asked.push(name)
        return name === 'app' ? { notes: { read: true } } : null
      },
    })
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, null)).status).toBe(200)
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, null)).status).toBe(200)
    expect(asked).toEqual(['app'])
    expect((await proxy.handle('other', { action: A.read, collectionName: 'notes' }, null)).status).toBe(404)
    const broken = createDbProxy({ db: db(), policies: { app: { notes: { read: 'nope ==' } }, fine: { notes: { read: true } } } })
    const result = await broken.handle('app', { action: A.read, collectionName: 'notes' }, null)
    expect(result.status).toBe(500)
    expect(result.body).toMatchObject({ code: 'INVALID_POLICY', error: expect.stringContaining('app.notes.read[0]') })
    expect((await broken.handle('fine', { action: A.read, collectionName: 'notes' }, null)).status).toBe(200)
    expect(() => compilePolicy({ notes: { read: 'nope ==' } })).toThrow(DbProxyError)
  })
})

describe('auth', () => {
  it('uses the injector output as auth', async () => {
    const proxy = createDbProxy({
      db: db(),
      policies: { app: { notes: { read: 'auth.role == "admin"' } } },
      injector: async (user) => ({ role: user?.uid === 'root' ? 'admin' : 'user' }),
    })
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, { uid: 'root' })).status).toBe(200)
    expect((await proxy.handle('app', { action: A.read, collectionName: 'notes' }, { uid: 'alice', role: 'admin' })).status).toBe(403)
  })
})

describe('constraints that query the database', () => {
  it('unique, exists and notExists', async () => {
    await db().collection('users').insertMany([{ _id: 'u1' as never, email: 'taken@x' }])
    await db().collection('members').insertOne({ _id: 'm1' as never, handle: 'first', user: 'u1' })
    const proxy = createDbProxy({
      db: db(),
      policies: {
        app: {
          members: {
            add: { data: { handle: { unique: true }, user: { exists: '/users/_id' }, email: { notExists: '/users/email' } } },
            update: { data: { handle: { unique: true } } },
          },
        },
      },
    })
    const add = (data: Record<string, unknown>) => proxy.handle('app', { action: A.add, collectionName: 'members', data }, null)
    expect((await add({ handle: 'first' })).status).toBe(403)
    expect((await add({ handle: 'second', user: 'nobody' })).status).toBe(403)
    expect((await add({ handle: 'second', user: { $ne: null } })).status).toBe(403)
    expect((await add({ handle: 'second', email: 'taken@x' })).status).toBe(403)
    expect((await add({ handle: 'second', user: 'u1', email: 'free@x' })).status).toBe(200)
    // An update may keep its own value.
    const keep = await proxy.handle('app', { action: A.update, collectionName: 'members', query: { _id: 'm1' }, data: { $set: { handle: 'first' } } }, null)
    expect(keep.status).toBe(200)
    const steal = await proxy.handle('app', { action: A.update, collectionName: 'members', query: { _id: 'm1' }, data: { $set: { handle: 'second' } } }, null)
    expect(steal.status).toBe(403)
  })
})

describe('custom validators', () => {
  it('register(name, fn) makes a validator usable in rules, with the database at hand', async () => {
    await db().collection('quota').insertOne({ _id: 'alice' as never, left: 0 })
    const proxy = createDbProxy({ db: db(), policies: async () => ({ items: { add: { quota: 'quota' } } }) })
    proxy.register('quota', async (collection, { auth, db }) => {
      const row = await db.collection(collection as string).findOne({ _id: auth.uid as never })
      return row && row.left > 0 ? null : 'quota exhausted'
    })
    const refused = await proxy.handle('app', { action: A.add, collectionName: 'items', data: { x: 1 } }, { uid: 'alice' })
    expect(refused.body).toMatchObject({ error: [{ validator: 'quota', message: 'quota exhausted' }] })
    expect(() => proxy.register('condition', () => null)).toThrow('not a usable validator name')
    expect(() => proxy.register('quota', () => null)).toThrow('already registered')
  })

  it('an unknown validator in a dynamic policy is an INVALID_POLICY naming register()', async () => {
    const proxy = createDbProxy({ db: db(), policies: async () => ({ items: { add: { quota: 1 } } }) })
    const result = await proxy.handle('app', { action: A.add, collectionName: 'items', data: { x: 1 } }, null)
    expect(result.status).toBe(500)
    expect((result.body as { error: string }).error).toContain('proxy.register("quota", fn)')
  })
})

describe('tenants', () => {
  it('routes each request to the tenant database, with that tenant’s policies', async () => {
    const names = [`${db().databaseName}_t1`, `${db().databaseName}_t2`]
    try {
      for (const [index, name] of names.entries()) {
        await client().db(name).collection('__policies__').insertOne({ name: 'app', rules: { notes: { read: true, add: index === 0 } } })
      }
      const proxy = createDbProxy({ db: db(), tenant: (req) => String(req.headers['x-tenant']) })
      const add = (tenant: string) => proxy.handle('app', { action: A.add, collectionName: 'notes', data: { t: tenant } }, null, { headers: { 'x-tenant': tenant } })
      expect((await add(names[0])).status).toBe(200)
      expect((await add(names[1])).status).toBe(403)
      expect(await client().db(names[0]).collection('notes').countDocuments()).toBe(1)
      expect(await client().db(names[1]).collection('notes').countDocuments()).toBe(0)
      expect((await add('admin')).status).toBe(400)
      const system = await proxy.handle('app', { action: A.read, collectionName: '__policies__' }, null, { headers: { 'x-tenant': names[0] } })
      expect(system.status).toBe(403)
    } finally {
      for (const name of names) await client().db(name).dropDatabase()
    }
  })
})

describe('direct transport', () => {
  it('runs requests without a policy, still checking their shape', async () => {
    const transport = createDirectTransport({ db: db() })
    expect(await transport.send({ action: A.add, collectionName: 'direct', data: { _id: 'd1', n: 1 } })).toEqual({ code: 0, data: { _id: 'd1', insertedCount: 1 } })
    expect(await transport.send({ action: A.count, collectionName: 'direct' })).toEqual({ code: 0, data: { total: 1 } })
    expect(await transport.send({ action: A.read, collectionName: 'direct', limit: 1e9 })).toMatchObject({ code: 'BAD_REQUEST' })
  })
})

describe('createDatabaseProvider (for runtimes)', () => {
  it('database() is trusted and direct; database({policy}) applies the policy as the user', async () => {
    await db().collection('__policies__').insertOne({ name: 'rt', rules: { diary: { read: 'query.owner == auth.uid', add: { data: { owner: 'value == auth.uid', text: {} } } } } })
    const database = createDatabaseProvider({ db: db() })
    const trusted = database(undefined, null)
    expect(database({}, { uid: 'x' })).toBe(trusted)
    expect(await trusted.collection('diary').add({ owner: 'ann', text: 'secret' })).toMatchObject({ ok: true })
    expect(await trusted.collection('__policies__').where({ name: 'rt' }).count()).toEqual({ ok: true, total: 1 })

    const asBob = database({ policy: 'rt' }, { uid: 'bob' })
    expect(await asBob.collection('diary').where({ owner: 'ann' }).get()).toMatchObject({ ok: false, code: 'permission denied' })
    expect(await asBob.collection('diary').add({ owner: 'ann', text: 'forged' })).toMatchObject({ ok: false })
    expect(await asBob.collection('diary').add({ owner: 'bob', text: 'mine' })).toMatchObject({ ok: true })
    expect(await asBob.collection('diary').where({ owner: 'bob' }).get()).toMatchObject({ ok: true, data: [{ owner: 'bob', text: 'mine' }] })
    expect(await database({ policy: 'nope' }, null).collection('diary').get()).toMatchObject({ ok: false, code: 'POLICY_NOT_FOUND' })
    expect(() => database({ policy: '' }, null)).toThrow('needs a policy name')
  })
})
