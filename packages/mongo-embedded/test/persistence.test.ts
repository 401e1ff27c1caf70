import { writeFileSync, appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { BSON, MongoClient, Long, Int32 } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoEmbeddedError, startMongoEmbedded } from '@scraping-run/mongo-embedded'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'

// Not from @scraping-run/test-utils: it depends on this package, so no dependency back.
async function makeTempDir(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

async function withServer<T>(dbPath: string, run: (client: MongoClient) => Promise<T>, stop = true): Promise<T> {
  const server = await startMongoEmbedded({ dbPath })
  const client = await MongoClient.connect(server.uri)
  try {
    return await run(client)
  } finally {
    await client.close()
    if (stop) await server.stop()
  }
}

describe('persistence with dbPath', () => {
  it('reads back a collection larger than one snapshot chunk (8 MB), with its indexes usable', async () => {
    const { dir, cleanup } = await makeTempDir('mongo-embedded-')
    try {
      await withServer(dir, async (client) => {
        const big = client.db('app').collection('big')
        await big.createIndex({ k: 1 })
        await big.insertMany(Array.from({ length: 2_500 }, (_, n) => ({ k: n, pad: 'x'.repeat(4_000) })))
      })
      await withServer(dir, async (client) => {
        const big = client.db('app').collection('big')
        expect(await big.countDocuments()).toBe(2_500)
        expect(await big.findOne({ k: 7 }, { projection: { _id: 0, k: 1 } })).toEqual({ k: 7 })
        const explained = await big.find({ k: 7 }).explain('executionStats')
        expect(explained.queryPlanner.winningPlan.inputStage.stage).toBe('IXSCAN')
        expect(explained.executionStats.totalDocsExamined).toBe(1)
      })
    } finally {
      await cleanup()
    }
  })

  it('keeps acknowledged writes, indexes and types across a restart', async () => {
    const { dir, cleanup } = await makeTempDir('mongo-embedded-')
    try {
      await withServer(dir, async (client) => {
        const users = client.db('app').collection('users')
        await users.createIndex({ email: 1 }, { unique: true })
        await users.insertMany([{ email: 'a@x', n: new Int32(1), big: Long.fromString('9007199254740993') }, { email: 'b@x' }])
        await users.updateOne({ email: 'b@x' }, { $set: { seen: true } })
        await users.deleteOne({ email: 'a@x' })
        await users.insertOne({ email: 'c@x', n: 3 })
      })
      await withServer(dir, async (client) => {
        const users = client.db('app').collection('users')
        expect(await users.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ email: 'b@x', seen: true }, { email: 'c@x', n: 3 }])
        await expect(users.insertOne({ email: 'c@x' })).rejects.toMatchObject({ code: 11000 })
        expect((await users.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_', 'email_1'])
        await users.insertOne({ email: 'd@x', big: Long.fromString('9007199254740993') })
      })
      await withServer(dir, async (client) => {
        const found = await client.db('app').collection('users').findOne({ email: 'd@x' }, { promoteLongs: false })
        expect(found!.big).toEqual(Long.fromString('9007199254740993'))
      })
    } finally {
      await cleanup()
    }
  })

  it('recovers the journal when the process did not stop cleanly, ignoring a torn last entry', async () => {
    const { dir, cleanup } = await makeTempDir('mongo-embedded-')
    try {
      // No stop(): the snapshot is not written, only the journal exists (as after a crash).
      const server = await startMongoEmbedded({ dbPath: dir })
      const client = await MongoClient.connect(server.uri)
      await client.db('app').collection('events').insertMany([{ n: 1 }, { n: 2 }])
      await client.close()
      const copy = await makeTempDir('mongo-embedded-copy-')
      const { cpSync } = await import('node:fs')
      cpSync(dir, copy.dir, { recursive: true })
      await server.stop()
      appendFileSync(join(copy.dir, 'journal.bson'), Buffer.from([0x40, 0, 0, 0, 3, 0x6d]))
      await withServer(copy.dir, async (restarted) => {
        expect(await restarted.db('app').collection('events').countDocuments()).toBe(2)
        await restarted.db('app').collection('events').insertOne({ n: 3 })
      })
      await withServer(copy.dir, async (restarted) => {
        expect(await restarted.db('app').collection('events').countDocuments()).toBe(3)
      })
      await copy.cleanup()
    } finally {
      await cleanup()
    }
  })

  it('refuses a dbPath whose snapshot is not ours with PERSISTENCE_FAILED', async () => {
    const { dir, cleanup } = await makeTempDir('mongo-embedded-')
    try {
      writeFileSync(join(dir, 'snapshot.bson'), BSON.serialize({ something: 'else' }))
      const error = await startMongoEmbedded({ dbPath: dir }).catch((e) => e)
      expect(MongoEmbeddedError.is(error, 'PERSISTENCE_FAILED')).toBe(true)
      writeFileSync(join(dir, 'snapshot.bson'), Buffer.from('not bson at all'))
      expect(MongoEmbeddedError.is(await startMongoEmbedded({ dbPath: dir }).catch((e) => e), 'PERSISTENCE_FAILED')).toBe(true)
    } finally {
      await cleanup()
    }
  })
})
