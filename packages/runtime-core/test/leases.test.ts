// Both leases pass the conformance suite; mongoLease on the shared embedded MongoDB through the official driver.
import { MongoClient } from 'mongodb'
import { testLease, uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest'
import { memoryLease, mongoLease, type LeaseEntry } from '@scraping-run/runtime-core'

const vitestApi = { describe, it, expect, beforeEach, afterEach }
let client: MongoClient | undefined
afterAll(async () => {
  await client?.close()
})

testLease(
  'memoryLease',
  async () => {
    const table = new Map<string, LeaseEntry>()
    return { lease: (holder) => memoryLease({ holder, table }) }
  },
  vitestApi,
)

testLease(
  'mongoLease',
  async () => {
    client ??= new MongoClient(inject('mongoUri'))
    const db = client.db(uniqueDbName('leases'))
    return { lease: (holder) => mongoLease({ db, holder }), dispose: () => db.dropDatabase().then(() => undefined) }
  },
  vitestApi,
)

describe('mongoLease', () => {
  it('stores {_id: key, holder, until} in __leases__ and refuses a missing db', async () => {
    client ??= new MongoClient(inject('mongoUri'))
    const db = client.db(uniqueDbName('leases'))
    const lease = mongoLease({ db, holder: 'host-1' })
    expect(await lease.acquire('cron:hello', 5000)).toBe(true)
    const doc = await db.collection('__leases__').findOne({ _id: 'cron:hello' as never })
    expect(doc).toMatchObject({ _id: 'cron:hello', holder: 'host-1' })
    expect(doc?.until).toBeInstanceOf(Date)
    expect(() => mongoLease({} as never)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    await db.dropDatabase()
  })

  it('gives every instance its own holder by default', () => {
    expect(memoryLease().holder).not.toBe(memoryLease().holder)
  })
})
