// publish → first request served with the new code, over HTTP, on one host and on three host processes sharing one
// MongoDB. Baseline measured in the same run, alternating: a bare change stream's write → event latency on the same
// server (what any change-stream deploy pays at least). LAF's runtime, measured on the same embedded MongoDB, served a
// newly published function about 1 s after the write: printed as the anchor. Needs runtime-core and mongo-embedded built.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { once } from 'node:events'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const runtimeDir = `${root}packages/runtime-core/`
for (const pkg of ['runtime-core', 'mongo-embedded']) {
  if (!existsSync(`${root}packages/${pkg}/dist/index.js`)) {
    console.error(`bench/deploy: build the packages first (pnpm --filter @scraping-run/${pkg} build)`)
    process.exit(1)
  }
}
const require = createRequire(`${runtimeDir}package.json`)
const { MongoClient } = require('mongodb')
const { functionRegistry } = await import(pathToFileURL(`${runtimeDir}dist/index.js`).href)

const PUBLISHES = Number(process.env.DEPLOY_PUBLISHES ?? 200)
const LAF_ANCHOR_MS = 1000
// The embedded MongoDB runs in its own process, as a mongod would: in this process it shared an event loop with the
// back-to-back polling below, and that queueing, not the deploy path, made the p99 (43 ms at load 0.04; 11.9 ms for a
// bare change stream event).
const mongo = process.env.MONGODB_URL ? undefined : await startMongoChild()
const uri = process.env.MONGODB_URL ?? mongo.uri

async function startMongoChild() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../logs/mongo-child.js', import.meta.url)), `${root}packages/mongo-embedded/dist/index.js`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [chunk] = await once(child.stdout, 'data')
  return { uri: String(chunk).trim(), stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) }
}
const client = new MongoClient(uri)

async function startHosts(count, dbName) {
  const hosts = []
  for (let index = 0; index < count; index++) {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./host.js', import.meta.url)), uri, dbName, 'dev'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const [chunk] = await once(child.stdout, 'data')
    hosts.push({ child, base: `http://127.0.0.1:${String(chunk).trim()}` })
  }
  return hosts
}

/** Polls a host back to back until it answers `expected`; resolves to the time it did. */
async function servedAt(base, expected) {
  for (;;) {
    const response = await fetch(`${base}/bench`).catch(() => undefined)
    const text = response ? await response.text() : ''
    if (text === String(expected)) return performance.now()
  }
}

const source = (version) => `export default () => ${version}`

async function run(hostCount) {
  const db = client.db(`bench_deploy_${hostCount}_${Date.now().toString(36)}`)
  const registry = functionRegistry({ db })
  await registry.put('bench', { source: source(0) })
  await registry.publish('bench', { environment: 'dev' })
  const hosts = await startHosts(hostCount, db.databaseName)
  for (const host of hosts) await servedAt(host.base, 0)
  // Baseline: a bare change stream on a collection of the same database.
  const probe = db.collection('probe')
  const stream = probe.watch()
  await stream.tryNext()
  const served = []
  const events = []
  for (let version = 1; version <= PUBLISHES; version++) {
    const eventStart = performance.now()
    await probe.insertOne({ version })
    await stream.next()
    events.push(performance.now() - eventStart)

    await registry.put('bench', { source: source(version) })
    const start = performance.now()
    const published = registry.publish('bench', { environment: 'dev' })
    const times = await Promise.all(hosts.map((host) => servedAt(host.base, version)))
    await published
    served.push(Math.max(...times) - start)
  }
  await stream.close()
  for (const host of hosts) {
    host.child.kill('SIGTERM')
    await once(host.child, 'exit')
  }
  await db.dropDatabase()
  return { served, events }
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]
const ms = (value) => `${value.toFixed(1)} ms`

for (const [hostCount, target] of [
  [1, 20],
  [3, 100],
]) {
  const { served, events } = await run(hostCount)
  const p50 = percentile(served, 50)
  const p99 = percentile(served, 99)
  const label = hostCount === 1 ? 'one host' : `${hostCount} host processes (slowest of them)`
  console.log(`${label}, ${served.length} publishes: publish → first request served p50 ${ms(p50)}, p99 ${ms(p99)} (target p99 ≤ ${target} ms: ${p99 <= target ? 'met' : 'NOT met'})`)
  console.log(`  baseline, bare change stream write → event: p50 ${ms(percentile(events, 50))}, p99 ${ms(percentile(events, 99))}; ratio p50 ${(p50 / percentile(events, 50)).toFixed(1)}×`)
  console.log(`  anchor: LAF ≈ ${LAF_ANCHOR_MS} ms → ${(LAF_ANCHOR_MS / p50).toFixed(0)}× faster at p50, ${(LAF_ANCHOR_MS / p99).toFixed(0)}× at p99`)
}
await client.close()
await mongo?.stop()
