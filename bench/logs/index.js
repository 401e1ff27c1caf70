// bench/logs: invoke throughput with mongoSink on vs off, measured alternately in one run.
// 1. HTTP: two functionsMiddleware servers in this process running the same function, one with mongoSink, load from a
//    child process (bench/invoke/load.js), alternating rounds; req/s and server CPU per request.
// 2. In process: executor.invoke() loops, sink off vs on, alternating chunks.
// MONGODB_URL names a real MongoDB; otherwise the embedded server runs in a child process at the lowest CPU priority
// (BENCH_MONGO_NICE=0: normal priority). Needs a build. Asserts nothing.
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os, { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const runtimeDir = join(root, 'packages/runtime-core')
const requireRuntime = createRequire(join(runtimeDir, 'package.json'))
const express = requireRuntime('express')
const { MongoClient } = requireRuntime('mongodb')
const core = await import(pathToFileURL(join(runtimeDir, 'dist/index.js')).href)
const { functionsMiddleware } = await import(pathToFileURL(join(runtimeDir, 'dist/express.js')).href)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20)
const CHUNK_CALLS = Number(process.env.BENCH_CHUNK_CALLS ?? 5000)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function startMongo() {
  if (process.env.MONGODB_URL) return { uri: process.env.MONGODB_URL, stop: async () => {} }
  const child = spawn(process.execPath, [fileURLToPath(new URL('./mongo-child.js', import.meta.url)), join(root, 'packages/mongo-embedded/dist/index.js')], { stdio: ['ignore', 'pipe', 'inherit'] })
  // Lowest CPU priority: MongoDB normally runs on another host, not on the two cores the server and the load share.
  if (process.env.BENCH_MONGO_NICE !== '0') os.setPriority(child.pid, 19)
  const uri = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(String(chunk).trim()))
    child.once('exit', (code) => reject(new Error(`the MongoDB child exited with ${code}`)))
  })
  return { uri, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) }
}

const listen = (app) => new Promise((resolve) => { const server = app.listen(0, '127.0.0.1', () => resolve(server)) })
const SOURCE = 'export default (ctx: any) => { console.log("hello", ctx.body?.name); return { hello: ctx.body?.name, size: ctx.body?.items?.length } }'

const mongo = await startMongo()
const client = new MongoClient(mongo.uri)
const db = client.db(`bench_logs_${Date.now().toString(36)}`)
const sink = core.mongoSink({ db })
const plain = core.createExecutor({ store: core.memoryStore([{ name: 'hello', source: SOURCE }]) })
const logged = core.createExecutor({ store: core.memoryStore([{ name: 'hello', source: SOURCE }]), logSink: sink })
const servers = {}
for (const [name, executor] of [['off', plain], ['mongoSink', logged]]) {
  const app = express()
  app.use('/fn', functionsMiddleware(executor))
  servers[name] = await listen(app)
}
const urls = Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, `http://127.0.0.1:${server.address().port}/fn/hello`]))
const dir = await mkdtemp(join(tmpdir(), 'bench-logs-'))
const bodyFile = join(dir, 'body.json')
const payload = { name: 'bench', items: [] }
while (JSON.stringify(payload).length < 1024) payload.items.push({ id: payload.items.length, label: 'item' })
await writeFile(bodyFile, JSON.stringify(payload))
const loadScript = fileURLToPath(new URL('../invoke/load.js', import.meta.url))

async function measure(url, seconds) {
  const cpu = process.cpuUsage()
  const { stdout } = await run(process.execPath, [loadScript, url, String(seconds), String(CONNECTIONS), bodyFile], { maxBuffer: 1 << 20 })
  const used = process.cpuUsage(cpu)
  const result = JSON.parse(stdout)
  if (result.errors) throw new Error(`${url}: ${result.errors} failed requests`)
  return { rps: result.requests / result.seconds, cpu: (used.user + used.system) / result.requests }
}

console.log(`HTTP: ${ROUNDS} rounds × ${SECONDS}s per server, ${CONNECTIONS} keep-alive connections, 1 KB JSON, one console.log per call; MongoDB ${process.env.MONGODB_URL ? 'MONGODB_URL' : `embedded, child process${process.env.BENCH_MONGO_NICE === '0' ? '' : ' at nice 19'}`}`)
await measure(urls.off, 1)
await measure(urls.mongoSink, 1)
const results = { off: [], mongoSink: [] }
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? ['off', 'mongoSink'] : ['mongoSink', 'off']) results[name].push(await measure(urls[name], SECONDS))
}
for (const [name, list] of Object.entries(results)) {
  console.log(`  ${name.padEnd(10)} ${median(list.map((r) => r.rps)).toFixed(0).padStart(7)} req/s   server CPU ${median(list.map((r) => r.cpu)).toFixed(0)} µs/req`)
}
const ratios = results.mongoSink.map((r, i) => r.rps / results.off[i].rps)
const cpuRatios = results.mongoSink.map((r, i) => results.off[i].cpu / r.cpu)
console.log(`  ratio mongoSink/off by req/s: ${median(ratios).toFixed(3)} median of per-round ratios [${ratios.map((x) => x.toFixed(2)).join(', ')}] (target ≥ 0.90)`)
console.log(`  by server CPU per request (off/mongoSink): ${median(cpuRatios).toFixed(3)} [${cpuRatios.map((x) => x.toFixed(2)).join(', ')}]`)
for (const server of Object.values(servers)) server.close()
await sink.flush()
console.log(`  mongoSink after the HTTP rounds: ${JSON.stringify(sink.stats())}`)

// In process: the same function called directly, alternating chunks. Wall time of the calls, and this process's CPU
// for the calls plus writing their records (flush() inside the measurement: the record copies, the queue, the driver's
// BSON encoding of the batches all count; MongoDB's own work is in the other process).
async function chunk(executor) {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const pending = []
  for (let i = 0; i < CHUNK_CALLS; i++) pending.push(executor.invoke('hello', { body: payload }))
  await Promise.all(pending)
  const wall = performance.now() - started
  if (executor === logged) await sink.flush()
  const used = process.cpuUsage(cpu)
  return { rate: CHUNK_CALLS / (wall / 1000), cpu: (used.user + used.system) / CHUNK_CALLS }
}
await chunk(plain)
await chunk(logged)
const inProcess = { off: [], mongoSink: [] }
for (let i = 0; i < CHUNKS; i++) {
  for (const name of i % 2 === 0 ? ['off', 'mongoSink'] : ['mongoSink', 'off']) inProcess[name].push(await chunk(name === 'off' ? plain : logged))
}
const inRatios = inProcess.mongoSink.map((r, i) => r.rate / inProcess.off[i].rate)
const inCpuRatios = inProcess.mongoSink.map((r, i) => inProcess.off[i].cpu / r.cpu)
const cpuOf = (name) => median(inProcess[name].map((r) => r.cpu))
console.log(`in process: ${CHUNKS} alternating chunks of ${CHUNK_CALLS} concurrent invocations`)
console.log(`  off ${median(inProcess.off.map((r) => r.rate)).toFixed(0)} calls/s, mongoSink ${median(inProcess.mongoSink.map((r) => r.rate)).toFixed(0)} calls/s; ratio ${median(inRatios).toFixed(3)} [${inRatios.map((x) => x.toFixed(2)).join(', ')}]`)
console.log(`  CPU per call incl. writing the record: off ${cpuOf('off').toFixed(1)} µs, mongoSink ${cpuOf('mongoSink').toFixed(1)} µs (+${(cpuOf('mongoSink') - cpuOf('off')).toFixed(1)} µs); ratio off/mongoSink ${median(inCpuRatios).toFixed(3)}`)
await logged.close()
await plain.close()
console.log(`  mongoSink at the end: ${JSON.stringify(sink.stats())}; records in MongoDB: ${await db.collection('__logs__').countDocuments()}`)
await db.dropDatabase()
await client.close()
await mongo.stop()
await rm(dir, { recursive: true, force: true })
