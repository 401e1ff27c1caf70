// Embedded MongoDB through the official driver vs the same work done with mingo in-process (no wire, no BSON), or, with
// BENCH_MONGO_BASELINE=<package dir of another build>, vs that build (say, the previous release) in the same process.
// Rounds alternate the two sides so both see the same machine noise; each figure is the median of the rounds.
// Needs the package built (`pnpm --filter @scraping-run/mongo-embedded build`). BENCH_SIZES=1000,10000 and BENCH_ROUNDS=9
// change the sizes and the rounds per row.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { EventEmitter, once } from 'node:events'
import { fileURLToPath, pathToFileURL } from 'node:url'

const packageDir = fileURLToPath(new URL('../../packages/mongo-embedded/', import.meta.url))
const baselineDir = process.env.BENCH_MONGO_BASELINE
for (const dir of [packageDir, baselineDir].filter(Boolean)) {
  if (!existsSync(`${dir}/dist/index.js`)) {
    console.error(`bench/mongo-embedded: build the package first (pnpm --filter @scraping-run/mongo-embedded build): ${dir}`)
    process.exit(1)
  }
}
// The driver and mingo are the package's own dependencies; resolve them from there rather than adding them to bench/.
const require = createRequire(`${packageDir}package.json`)
const { MongoClient, ObjectId } = require('mongodb')
const mingo = require('mingo')
const load = async (dir) => (await import(pathToFileURL(`${dir}/dist/index.js`).href)).startMongoEmbedded

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
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
const against = baselineDir ? 'baseline build' : 'mingo in-process'

async function compare(name, embedded, baseline, labels = ['embedded', against]) {
  const a = []
  const b = []
  // Who goes first alternates too, so garbage one side leaves behind is collected on both sides' time alike.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2) b.push(await rate(baseline))
    a.push(await rate(embedded))
    if (!(round % 2)) b.push(await rate(baseline))
  }
  const ours = median(a)
  const theirs = median(b)
  console.log(`${name.padEnd(30)} ${labels[0]} ${ours.toFixed(0).padStart(8)} ops/s   ${labels[1]} ${theirs.toFixed(0).padStart(9)} ops/s   ratio ${(ours / theirs).toFixed(3)}`)
  return { name, ours, theirs }
}

/** One side of the comparison: a server and its database, or (without a baseline build) plain arrays and mingo. */
async function side(startServer) {
  const server = await startServer()
  const client = await MongoClient.connect(server.uri)
  return { server, client, db: client.db('bench') }
}

/** insertMany of `docs` into a fresh collection with a `k` index, in ms (the driver splits it into batches). */
async function insertManyMs(db, name, docs) {
  const coll = db.collection(name)
  await coll.drop().catch(() => {})
  await coll.createIndex({ k: 1 })
  const started = performance.now()
  await coll.insertMany(docs.map((doc) => ({ ...doc })))
  return performance.now() - started
}

/** insertMany rounds, alternating sides as `compare` does; leaves `name` filled on both sides. */
async function insertMany(name, docs) {
  const ours = []
  const theirs = []
  for (let round = 0; round < (base ? 3 : 1); round++) {
    ours.push(await insertManyMs(mine.db, name, docs))
    if (base) theirs.push(await insertManyMs(base.db, name, docs))
  }
  const rate = (ms) => ((docs.length * 1000) / ms).toFixed(0).padStart(8)
  const other = base ? `   baseline build ${rate(median(theirs))} docs/s   ratio ${(median(theirs) / median(ours)).toFixed(3)}` : ''
  console.log(`insertMany ${docs.length} (indexed k)`.padEnd(30), `embedded ${rate(median(ours))} docs/s${other}`)
}

/** Write → event delivered, on a collection of `size` documents. */
async function changeEvents(size, ours, theirs) {
  const stream = ours.watch([], { maxAwaitTimeMS: 1000 })
  await stream.tryNext()
  const emitter = new EventEmitter()
  const other = theirs?.watch([], { maxAwaitTimeMS: 1000 })
  await other?.tryNext()
  const viaStream = (coll, changes) => async (n) => {
    const [, event] = await Promise.all([coll.insertOne({ n: -n - 1 }), changes.next()])
    if (event.fullDocument.n !== -n - 1) throw new Error('out of order')
  }
  await compare(`change event (${size})`, viaStream(ours, stream), other ? viaStream(theirs, other) : async (n) => {
    const received = once(emitter, 'change')
    emitter.emit('change', { operationType: 'insert', fullDocument: { _id: new ObjectId(), n } })
    await received
  })
  await stream.close()
  await other?.close()
}

const mine = await side(await load(packageDir))
const base = baselineDir ? await side(await load(baselineDir)) : undefined
try {
  const inserted = mine.db.collection('inserts')
  const memory = []
  const baseInserts = base?.db.collection('inserts')
  await compare('insertOne', (n) => inserted.insertOne({ n, name: `user${n}`, tags: ['a', 'b'] }), async (n) => {
    if (baseInserts) await baseInserts.insertOne({ n, name: `user${n}`, tags: ['a', 'b'] })
    else memory.push({ _id: new ObjectId(), n, name: `user${n}`, tags: ['a', 'b'] })
  })

  const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number)
  const summary = []
  for (const size of SIZES) {
    const docs = Array.from({ length: size }, (_, n) => ({ _id: new ObjectId(), n, k: `key${n}`, group: n % 100, name: `user${n}` }))
    await insertMany(`reads${size}`, docs)
    const coll = mine.db.collection(`reads${size}`)
    const other = base?.db.collection(`reads${size}`)
    const pick = (i) => docs[(i * 7919) % docs.length]
    const byId = await compare(`find by _id (${size})`, (i) => coll.findOne({ _id: pick(i)._id }), other ? (i) => other.findOne({ _id: pick(i)._id }) : async (i) => {
      mingo.find(docs, { _id: pick(i)._id }).next()
    })
    const byIndex = await compare(`find by indexed k (${size})`, (i) => coll.findOne({ k: pick(i).k }), other ? (i) => other.findOne({ k: pick(i).k }) : async (i) => {
      mingo.find(docs, { k: pick(i).k }).next()
    })
    const filter = (i) => ({ group: i % 100, n: { $gte: 0 } })
    await compare(`filtered find 1% of ${size}`, (i) => coll.find(filter(i)).toArray(), other ? (i) => other.find(filter(i)).toArray() : async (i) => {
      mingo.find(docs, filter(i)).all()
    })
    await changeEvents(size, coll, other)
    // The target ratio, measured on our server alone with the two lookups alternating (no other side's garbage in between).
    const direct = await compare(`_id vs indexed k (${size})`, (i) => coll.findOne({ _id: pick(i)._id }), (i) => coll.findOne({ k: pick(i).k }), ['by _id', 'by k'])
    const before = base ? ` (baseline build ${(byId.theirs / byIndex.theirs).toFixed(2)}x)` : ''
    summary.push(`${size}: findOne by indexed k takes ${(direct.ours / direct.theirs).toFixed(2)}x findOne by _id (rows above: ${(byId.ours / byIndex.ours).toFixed(2)}x)${before}`)
  }
  console.log(summary.join('\n'))
  console.log('(ops/s for the change event rows = events per second with one write in flight; latency = 1000 / ops/s ms)')
} finally {
  for (const { client, server } of [mine, base].filter(Boolean)) {
    await client.close()
    await server.stop()
  }
}
