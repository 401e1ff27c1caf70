// cloud.database() inside functions: the query builder over the invocation's MongoDB, trusted by default, and checked
// against a db-proxy policy as the calling user when `{policy}` is named.
import { MongoClient } from 'mongodb'
import { createDatabaseProvider, createDbProxy } from '@scraping-run/db-proxy'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createExecutor, memoryStore } from '@scraping-run/runtime-core'

const NOTES = `import cloud from '@scraping-run/cloud'
export default async function (ctx: any) {
  const db = ctx.body.policy ? cloud.database({ policy: ctx.body.policy }) : cloud.database()
  const notes = db.collection('notes')
  const added = await notes.add({ text: ctx.body.text, owner: ctx.body.owner })
  const list = await notes.where({ owner: ctx.body.owner }).get()
  return { added: { ok: added.ok, code: added.code ?? null }, texts: (list.data ?? []).map((n: any) => n.text) }
}`

const clients: MongoClient[] = []
afterAll(async () => {
  for (const client of clients) await client.close()
})

describe('cloud.database()', () => {
  it('is the trusted query builder over the configured MongoDB (default provider)', async () => {
    const dbName = uniqueDbName('database')
    const executor = createExecutor({ store: memoryStore([{ name: 'notes', source: NOTES }]), mongo: { uri: inject('mongoUri'), dbName } })
    await executor.ready()
    const result = await executor.invoke('notes', { body: { text: 'first', owner: 'u1' } })
    expect(result.error).toBeUndefined()
    expect(result.data).toEqual({ added: { ok: true, code: null }, texts: ['first'] })
    const check = new MongoClient(inject('mongoUri'))
    clients.push(check)
    expect(await check.db(dbName).collection('notes').countDocuments({ owner: 'u1' })).toBe(1)
    await executor.close()
  })

  it('applies a policy as the invocation user when {policy} is named, and writes nothing when refused', async () => {
    const client = new MongoClient(inject('mongoUri'))
    clients.push(client)
    const db = client.db(uniqueDbName('database-policy'))
    const proxy = createDbProxy({
      db,
      policies: { app: { notes: { read: true, add: 'auth.uid == data.owner' } } },
    })
    const executor = createExecutor({
      store: memoryStore([{ name: 'notes', source: NOTES }]),
      mongo: { client, db },
      database: createDatabaseProvider({ db, proxy }),
    })
    const allowed = await executor.invoke('notes', { body: { policy: 'app', text: 'mine', owner: 'u1' }, user: { uid: 'u1' } })
    expect(allowed.error).toBeUndefined()
    expect(allowed.data).toEqual({ added: { ok: true, code: null }, texts: ['mine'] })

    const forged = await executor.invoke('notes', { body: { policy: 'app', text: 'forged', owner: 'u1' }, user: { uid: 'u2' } })
    expect(forged.data).toMatchObject({ added: { ok: false, code: 'permission denied' }, texts: ['mine'] })
    const anonymous = await executor.invoke('notes', { body: { policy: 'app', text: 'anon', owner: 'u1' } })
    expect(anonymous.data).toMatchObject({ added: { ok: false }, texts: ['mine'] })
    expect(await db.collection('notes').countDocuments()).toBe(1)

    // Trusted access in the same executor is not checked.
    const trusted = await executor.invoke('notes', { body: { text: 'admin', owner: 'u1' }, user: { uid: 'u2' } })
    expect(trusted.data).toEqual({ added: { ok: true, code: null }, texts: ['mine', 'admin'] })
    await executor.close()
  })

  it('is NOT_CONFIGURED, naming the fix, without mongo or a database provider', async () => {
    const executor = createExecutor({ store: memoryStore([{ name: 'notes', source: NOTES }]) })
    const result = await executor.invoke('notes', { body: { text: 'x', owner: 'u1' } })
    expect(result.error?.code).toBe('NOT_CONFIGURED')
    expect(result.error?.message).toContain('pass mongo')
    await executor.close()
  })
})
