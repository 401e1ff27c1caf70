// Embedded MongoDB through the official driver vs the same work done with mingo in-process (no wire, no BSON).
// Rounds alternate the two sides so both see the same machine noise; each figure is the median of the rounds.
// Needs the package built (`pnpm --filter @scraping-run/mongo-embedded build`).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { EventEmitter, once } from 'node:events'
import { fileURLToPath, pathToFileURL } from 'node:url'

const packageDir = fileURLToPath(new URL('../../packages/mongo-embedded/', import.meta.url))
const dist = `${packageDir}dist/index.js`
if (!existsSync(dist)) {
  console.error('bench/mongo-embedded: build the package first (pnpm --filter @scraping-run/mongo-embedded build)')
  process.exit(1)
}
// The driver and mingo are the package's own dependencies; resolve them from there rather than adding them to bench/.
const require = createRequire(`${packageDir}package.json`)
const { MongoClient, ObjectId } = require('mongodb')
const mingo = require('mingo')
const { startMongoEmbedded } = await import(pathToFileURL(dist).href)

const ROUNDS = 5
const ROUND_MS = 400

/** Runs `op` repeatedly for ROUND_MS and returns operations per second. */
async function rate(op) {
  let count = 0
  const start = performance.now()
  let now = start
  while (now - start < ROUND_MS) {
    await op(count++)
    now = performance.now()
  }
  return (count * 1000) / (now - start)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function compare(name, embedded, baseline) {
  const a = []
  const b = []
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await rate(embedded))
    b.push(await rate(baseline))
  }
  const ours = median(a)
  const theirs = median(b)
  console.log(`${name.padEnd(30)} embedded ${ours.toFixed(0).padStart(8)} ops/s   mingo in-process ${theirs.toFixed(0).padStart(9)} ops/s   ratio ${(ours / theirs).toFixed(3)}`)
  return { name, ours, theirs }
}

const server = await startMongoEmbedded()
const client = await MongoClient.connect(server.uri)
const db = client.db('bench')
try {
  // insertOne
  const inserted = db.collection('inserts')
  const memory = []
  await compare(
    'insertOne',
    (n) => inserted.insertOne({ n, name: `user${n}`, tags: ['a', 'b'] }),
    async (n) => {
      memory.push({ _id: new ObjectId(), n, name: `user${n}`, tags: ['a', 'b'] })
    },
  )

  // 10k documents for the reads
  const docs = Array.from({ length: 10_000 }, (_, n) => ({ _id: new ObjectId(), n, group: n % 100, name: `user${n}` }))
  const coll = db.collection('reads')
  await coll.insertMany(docs)
  await compare(
    'find by _id (10k docs)',
    (i) => coll.findOne({ _id: docs[(i * 7919) % docs.length]._id }),
    async (i) => {
      mingo.find(docs, { _id: docs[(i * 7919) % docs.length]._id }).next()
    },
  )
  await compare(
    'filtered find, 100 of 10k',
    (i) => coll.find({ group: i % 100, n: { $gte: 0 } }).toArray(),
    async (i) => {
      mingo.find(docs, { group: i % 100, n: { $gte: 0 } }).all()
    },
  )

  // change-event latency: write → event delivered to the listener
  const watched = db.collection('watched')
  const stream = watched.watch([], { maxAwaitTimeMS: 1000 })
  await stream.tryNext()
  const emitter = new EventEmitter()
  const local = []
  await compare(
    'change event (write → event)',
    async (n) => {
      const [, event] = await Promise.all([watched.insertOne({ n }), stream.next()])
      if (event.fullDocument.n !== n) throw new Error('out of order')
    },
    async (n) => {
      const received = once(emitter, 'change')
      const doc = { _id: new ObjectId(), n }
      local.push(doc)
      emitter.emit('change', { operationType: 'insert', fullDocument: doc })
      await received
    },
  )
  await stream.close()
  console.log('(ops/s for the change event row = events per second with one write in flight; latency = 1000 / ops/s ms)')
} finally {
  await client.close()
  await server.stop()
}
