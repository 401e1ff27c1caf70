// Embedded MongoDB through the official driver vs the same work done with mingo in-process (no wire, no BSON).
// Rounds alternate the two sides so both see the same machine noise; each figure is the median of the rounds.
// Needs the package built (`pnpm --filter @scraping-run/mongo-embedded build`).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { EventEmitter, once } from 'node:events'
import { fileURLToPath, pathToFileURL } from 'node:url'

// BENCH_MONGO_PACKAGE points at another build of the package (say, the previous release) to compare figures.
const packageDir = process.env.BENCH_MONGO_PACKAGE ?? fileURLToPath(new URL('../../packages/mongo-embedded/', import.meta.url))
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

/** Change-event latency (write → event delivered) on a collection of `size` documents. */
async function changeEvents(coll, size) {
  const stream = coll.watch([], { maxAwaitTimeMS: 1000 })
  await stream.tryNext()
  const emitter = new EventEmitter()
  await compare(
    `change event (${size})`,
    async (n) => {
      const [, event] = await Promise.all([coll.insertOne({ n: -n - 1 }), stream.next()])
      if (event.fullDocument.n !== -n - 1) throw new Error('out of order')
    },
    async (n) => {
      const received = once(emitter, 'change')
      emitter.emit('change', { operationType: 'insert', fullDocument: { _id: new ObjectId(), n } })
      await received
    },
  )
  await stream.close()
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

  const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number)
  const summary = []
  for (const size of SIZES) {
    const docs = Array.from({ length: size }, (_, n) => ({ _id: new ObjectId(), n, k: `key${n}`, group: n % 100, name: `user${n}` }))
    const coll = db.collection(`reads${size}`)
    await coll.createIndex({ k: 1 })
    // insertMany in the driver's batches, with the `k` index maintained on every insert.
    const started = performance.now()
    await coll.insertMany(docs)
    const insertMs = performance.now() - started
    console.log(`insertMany ${size} (indexed k)`.padEnd(30), `${insertMs.toFixed(0).padStart(8)} ms   ${((size * 1000) / insertMs).toFixed(0)} docs/s`)
    const pick = (i) => docs[(i * 7919) % docs.length]
    const byId = await compare(`find by _id (${size})`, (i) => coll.findOne({ _id: pick(i)._id }), async (i) => {
      mingo.find(docs, { _id: pick(i)._id }).next()
    })
    const byIndex = await compare(`find by indexed k (${size})`, (i) => coll.findOne({ k: pick(i).k }), async (i) => {
      mingo.find(docs, { k: pick(i).k }).next()
    })
    await compare(`filtered find 1% of ${size}`, (i) => coll.find({ group: i % 100, n: { $gte: 0 } }).toArray(), async (i) => {
      mingo.find(docs, { group: i % 100, n: { $gte: 0 } }).all()
    })
    await changeEvents(coll, size)
    summary.push(`${size}: findOne by indexed k takes ${(byId.ours / byIndex.ours).toFixed(2)}x findOne by _id`)
  }
  console.log(summary.join('\n'))
  console.log('(ops/s for the change event rows = events per second with one write in flight; latency = 1000 / ops/s ms)')
} finally {
  await client.close()
  await server.stop()
}
