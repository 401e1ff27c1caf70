import { MongoClient } from 'mongodb'
import { createStorage } from '@scraping-run/storage'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { createExecutor, memoryStore } from '@scraping-run/runtime-core'
import { EXPRESS_VERSIONS, serve, type Served } from './helpers.js'

const VISITS = `import cloud from '@scraping-run/cloud'
export default async function (ctx: any) {
  const visits = cloud.mongo.db.collection('visits')
  await visits.insertOne({ page: ctx.query.page ?? 'home', at: new Date() })
  return { count: await visits.countDocuments({ page: ctx.query.page ?? 'home' }), db: cloud.mongo.db.databaseName }
}`

const FILES = `import cloud from '@scraping-run/cloud'
export default async function (ctx: any) {
  const bucket = cloud.storage.bucket('runtime-core-test')
  await bucket.writeFile(ctx.body.key, ctx.body.text, { contentType: 'text/plain' })
  return { read: await bucket.readFile(ctx.body.key, { encoding: 'utf8' }), exists: await bucket.exists(ctx.body.key) }
}`

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})
const clients: MongoClient[] = []
afterAll(async () => {
  for (const client of clients) await client.close()
})

describe.each(EXPRESS_VERSIONS)('cloud services through HTTP on %s', (_label, express) => {
  it('cloud.mongo with {uri, dbName} connects lazily to the embedded server and counts', async () => {
    const dbName = uniqueDbName('runtime')
    const executor = createExecutor({ store: memoryStore([{ name: 'visits', source: VISITS }]), mongo: { uri: inject('mongoUri'), dbName } })
    served = await serve(express, executor)
    for (const expected of [1, 2]) {
      const response = await fetch(`${served.base}/fn/visits?page=about`)
      expect(await response.json()).toEqual({ count: expected, db: dbName })
    }
    const check = new MongoClient(inject('mongoUri'))
    clients.push(check)
    expect(await check.db(dbName).collection('visits').countDocuments()).toBe(2)
  })

  it('cloud.mongo with an injected {client, db}', async () => {
    const client = new MongoClient(inject('mongoUri'))
    clients.push(client)
    const db = client.db(uniqueDbName('injected'))
    const executor = createExecutor({ store: memoryStore([{ name: 'visits', source: VISITS }]), mongo: { client, db } })
    served = await serve(express, executor)
    expect(await (await fetch(`${served.base}/fn/visits`)).json()).toEqual({ count: 1, db: db.databaseName })
    // Closing the executor leaves an injected client alone.
    await served.close()
    served = undefined
    expect(await db.collection('visits').countDocuments()).toBe(1)
  })

  it('cloud.storage is the storage instance passed in', async () => {
    const storage = createStorage({ endpoint: inject('s3Endpoint'), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
    const executor = createExecutor({ store: memoryStore([{ name: 'files', source: FILES }]), storage })
    served = await serve(express, executor)
    const response = await fetch(`${served.base}/fn/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: `notes-${Math.random().toString(36).slice(2)}.txt`, text: 'stored text' }),
    })
    expect(await response.json()).toEqual({ read: 'stored text', exists: true })
    storage.destroy()
  })
})
