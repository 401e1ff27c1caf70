// The same read through db-proxy's `proxy.handle` (a policy with a CEL condition) vs the official driver directly.
// Rounds alternate the two sides so both see the same machine noise; each figure is the median of the rounds.
// Uses MONGODB_URL when set, else the embedded server. Needs the packages built (`pnpm build`).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const proxyDir = fileURLToPath(new URL('../../packages/db-proxy/', import.meta.url))
const embeddedDir = fileURLToPath(new URL('../../packages/mongo-embedded/', import.meta.url))
for (const file of [`${proxyDir}dist/index.js`, `${embeddedDir}dist/index.js`]) {
  if (!existsSync(file)) {
    console.error(`bench/db-proxy: build the packages first (pnpm build); missing ${file}`)
    process.exit(1)
  }
}
// The driver is db-proxy's own peer; resolve it from there rather than adding it to bench/.
const { MongoClient } = createRequire(`${proxyDir}package.json`)('mongodb')
const { createDbProxy } = await import(pathToFileURL(`${proxyDir}dist/index.js`).href)
const { startMongoEmbedded } = await import(pathToFileURL(`${embeddedDir}dist/index.js`).href)

// Fine interleaving: many short chunks, the two sides alternating chunk by chunk, so a burst of load on a shared machine
// hits both alike. Each figure is the median over chunks; the ratio is the median of the per-chunk ratios.
const CHUNKS = 80
const CHUNK_OPS = 15
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Runs `op` CHUNK_OPS times; returns wall and CPU milliseconds per operation. */
async function chunk(op) {
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < CHUNK_OPS; i++) await op()
  const wall = (performance.now() - start) / CHUNK_OPS
  const used = process.cpuUsage(cpu)
  return { wall, cpu: (used.user + used.system) / 1000 / CHUNK_OPS }
}

const external = process.env.MONGODB_URL
const server = external ? undefined : await startMongoEmbedded({ port: 0 })
const client = new MongoClient(external ?? server.uri)
await client.connect()
const db = client.db(`bench_dbproxy_${process.pid}`)
try {
  const posts = db.collection('posts')
  await posts.insertMany(
    Array.from({ length: 500 }, (_, n) => ({ title: `post ${n}`, author: n % 5 === 0 ? 'alice' : `user${n % 7}`, n, tags: ['a', 'b'], body: 'x'.repeat(200) })),
  )
  const proxy = createDbProxy({ db, policies: { app: { posts: { read: 'has(auth.uid) && query.author == auth.uid' } } } })
  const user = { uid: 'alice' }
  const body = { action: 'database.queryDocument', collectionName: 'posts', query: { author: 'alice' }, order: [{ field: 'n', direction: 'desc' }], limit: 20 }

  const viaProxy = async () => {
    const result = await proxy.handle('app', body, user)
    if (result.status !== 200 || result.body.data.list.length !== 20) throw new Error(`unexpected proxy answer ${JSON.stringify(result).slice(0, 200)}`)
  }
  const viaDriver = async () => {
    const list = await posts.find({ author: 'alice' }, { sort: [['n', -1]], limit: 20, skip: 0 }).toArray()
    if (list.length !== 20) throw new Error('unexpected driver answer')
  }

  // Warm both paths (connection pool, JIT, compiled policy) before measuring.
  for (let i = 0; i < 50; i++) {
    await viaProxy()
    await viaDriver()
  }
  const proxyRuns = []
  const driverRuns = []
  for (let i = 0; i < CHUNKS; i++) {
    // Alternate which side goes first.
    if (i % 2 === 0) {
      proxyRuns.push(await chunk(viaProxy))
      driverRuns.push(await chunk(viaDriver))
    } else {
      driverRuns.push(await chunk(viaDriver))
      proxyRuns.push(await chunk(viaProxy))
    }
  }
  const p = median(proxyRuns.map((r) => r.wall))
  const d = median(driverRuns.map((r) => r.wall))
  const pc = median(proxyRuns.map((r) => r.cpu))
  const dc = median(driverRuns.map((r) => r.cpu))
  const ratio = median(proxyRuns.map((r, i) => r.wall / driverRuns[i].wall))
  const cpuRatio = median(proxyRuns.map((r, i) => r.cpu / driverRuns[i].cpu))
  console.log(`server: ${external ? 'MONGODB_URL' : 'embedded (in process)'}; read of 20 of 500 documents; ${CHUNKS} alternating chunks of ${CHUNK_OPS} reads`)
  console.log(`driver directly:         ${d.toFixed(3)} ms/read (${(1000 / d).toFixed(0)} reads/s), ${dc.toFixed(3)} CPU ms/read`)
  console.log(`proxy.handle (CEL rule): ${p.toFixed(3)} ms/read (${(1000 / p).toFixed(0)} reads/s), ${pc.toFixed(3)} CPU ms/read`)
  console.log(`ratio proxy / driver: ${ratio.toFixed(3)} by time, ${cpuRatio.toFixed(3)} by CPU (target <= 1.10)`)
} finally {
  await db.dropDatabase().catch(() => {})
  await client.close()
  await server?.stop()
}
