import { startMongo, uniqueDbName } from '@scraping-run/test-utils'
import { MongoClient, type Db } from 'mongodb'
import { afterAll, beforeAll } from 'vitest'

/** A database of its own for one test file, on the run's shared server. */
export function useDb(): { db: () => Db; client: () => MongoClient } {
  let client: MongoClient
  let db: Db
  let stop: (() => Promise<void>) | undefined
  beforeAll(async () => {
    const mongo = await startMongo()
    stop = mongo.stop
    client = new MongoClient(mongo.uri)
    await client.connect()
    db = client.db(uniqueDbName('dbproxy'))
  })
  afterAll(async () => {
    await db?.dropDatabase().catch(() => {})
    await client?.close()
    await stop?.()
  })
  return { db: () => db, client: () => client }
}
