// Each behaviour test file gets a server (MONGODB_URL when set, to prove the expectations against real MongoDB, else an
// embedded one) and a MongoClient on a database of its own.
import { afterAll, beforeAll } from 'vitest'
import { type Db, MongoClient, type MongoServerError } from 'mongodb'
import { type MongoEmbedded, startMongoEmbedded } from '@scraping-run/mongo-embedded'

export const external = !!process.env.MONGODB_URL

let counter = 0

export function useMongo(): { client: () => MongoClient; db: () => Db; uri: () => string } {
  let server: MongoEmbedded | undefined
  let client: MongoClient
  let db: Db
  let uri: string
  beforeAll(async () => {
    if (!external) server = await startMongoEmbedded()
    uri = process.env.MONGODB_URL ?? server!.uri
    client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 })
    await client.connect()
    db = client.db(`me_test_${process.pid}_${++counter}`)
  })
  afterAll(async () => {
    await db?.dropDatabase().catch(() => {})
    await client?.close()
    await server?.stop()
  })
  return { client: () => client, db: () => db, uri: () => uri }
}

/** The server error an operation fails with (the test fails if it succeeds). */
export async function errorOf(promise: Promise<unknown>): Promise<MongoServerError> {
  try {
    await promise
  } catch (error) {
    return error as MongoServerError
  }
  throw new Error('expected the operation to fail')
}
