// bench/invoke: a bare Express handler vs functionsMiddleware + vmSandbox running the same trivial function.
// POST 1 KB JSON, keep-alive load from a second process on loopback, the two servers measured alternately in one run.
// Then cold start: compile a 200-line TS function, load it, first call — median ms.
// Needs the packages built (`pnpm build`). Prints figures; asserts nothing.
import { execFile } from 'node:child_process'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const runtimeDir = join(root, 'packages/runtime-core')
// Express and runtime-core come from the runtime-core package (its dev dependency and its build).
const express = createRequire(join(runtimeDir, 'package.json'))('express')
const core = await import(pathToFileURL(join(runtimeDir, 'dist/index.js')).href)
const { functionsMiddleware } = await import(pathToFileURL(join(runtimeDir, 'dist/express.js')).href)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

function listen(app) {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

// --- Throughput ---------------------------------------------------------------------------------------------------
const bare = express()
bare.post('/hello', express.json({ limit: '10mb' }), (req, res) => {
  res.json({ hello: req.body.name, size: req.body.items.length })
})
const executor = core.createExecutor({
  store: core.memoryStore([{ name: 'hello', source: 'export default (ctx: any) => ({ hello: ctx.body.name, size: ctx.body.items.length })' }]),
  sandbox: core.vmSandbox(),
})
const fn = express()
fn.use('/fn', functionsMiddleware(executor))
// The same function in the isolate sandbox (the security boundary), measured in the same rounds.
const isolateExecutor = core.createExecutor({
  store: core.memoryStore([{ name: 'hello', source: 'export default (ctx: any) => ({ hello: ctx.body.name, size: ctx.body.items.length })' }]),
  sandbox: core.isolateSandbox({ maxIsolatesPerFunction: 4 }),
})
const iso = express()
iso.use('/fn', functionsMiddleware(isolateExecutor))

const bareServer = await listen(bare)
const fnServer = await listen(fn)
const isoServer = await listen(iso)
const urls = {
  bare: `http://127.0.0.1:${bareServer.address().port}/hello`,
  functions: `http://127.0.0.1:${fnServer.address().port}/fn/hello`,
  isolate: `http://127.0.0.1:${isoServer.address().port}/fn/hello`,
}

const dir = await mkdtemp(join(tmpdir(), 'bench-invoke-'))
const bodyFile = join(dir, 'body.json')
const payload = { name: 'bench', items: [] }
while (JSON.stringify(payload).length < 1024) payload.items.push({ id: payload.items.length, label: 'item' })
await writeFile(bodyFile, JSON.stringify(payload).slice(0, 1024 * 2))
const loadScript = fileURLToPath(new URL('./load.js', import.meta.url))

// The servers live in this process and the load in a child, so this process's CPU time during a round is the server's cost.
async function measure(url, seconds) {
  const cpu = process.cpuUsage()
  const { stdout } = await run(process.execPath, [loadScript, url, String(seconds), String(CONNECTIONS), bodyFile], { maxBuffer: 1 << 20 })
  const used = process.cpuUsage(cpu)
  const result = JSON.parse(stdout)
  return { ...result, cpuUsPerRequest: (used.user + used.system) / result.requests }
}

console.log(`throughput: ${ROUNDS} rounds × ${SECONDS}s per server, ${CONNECTIONS} keep-alive connections, ${JSON.stringify(payload).length} B JSON body`)
// Warm both (JIT, first compile of the function).
await measure(urls.bare, 1)
await measure(urls.functions, 1)
await measure(urls.isolate, 1)
const results = { bare: [], functions: [], isolate: [] }
const ORDERS = [['bare', 'functions', 'isolate'], ['isolate', 'bare', 'functions'], ['functions', 'isolate', 'bare']]
for (let round = 0; round < ROUNDS; round++) {
  // Rotate which goes first, so drift on a shared machine hits all alike.
  const order = ORDERS[round % ORDERS.length]
  for (const name of order) {
    const result = await measure(urls[name], SECONDS)
    if (result.errors) throw new Error(`${name}: ${result.errors} failed requests`)
    results[name].push(result)
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([name, list]) => [
    name,
    {
      rps: median(list.map((r) => r.requests / r.seconds)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      cpu: median(list.map((r) => r.cpuUsPerRequest)),
    },
  ]),
)
for (const [name, s] of Object.entries(summary)) {
  console.log(`  ${name.padEnd(10)} ${s.rps.toFixed(0).padStart(7)} req/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms   server CPU ${s.cpu.toFixed(0)} µs/req`)
}
// Each round measured both back to back; the median of the per-round ratios resists drift on a busy machine.
const ratios = results.functions.map((r, i) => r.requests / r.seconds / (results.bare[i].requests / results.bare[i].seconds))
console.log(`  ratio functions/bare: ${median(ratios).toFixed(3)} median of per-round ratios [${ratios.map((x) => x.toFixed(2)).join(', ')}]; ratio of medians ${(summary.functions.rps / summary.bare.rps).toFixed(3)} (target ≥ 0.90)`)
const cpuRatios = results.functions.map((r, i) => results.bare[i].cpuUsPerRequest / r.cpuUsPerRequest)
console.log(`  by server CPU per request (bare/functions): ${median(cpuRatios).toFixed(3)} [${cpuRatios.map((x) => x.toFixed(2)).join(', ')}]`)
const isoRatios = results.isolate.map((r, i) => r.requests / r.seconds / (results.bare[i].requests / results.bare[i].seconds))
const isoCpu = results.isolate.map((r, i) => results.bare[i].cpuUsPerRequest / r.cpuUsPerRequest)
console.log(`  ratio isolate/bare: ${median(isoRatios).toFixed(3)} [${isoRatios.map((x) => x.toFixed(2)).join(', ')}]; by server CPU ${median(isoCpu).toFixed(3)} (target ≥ 0.85; the isolate's own thread time counts in this process)`)
bareServer.close()
fnServer.close()
isoServer.close()
await executor.close()
await isolateExecutor.close()

// --- Cold start ---------------------------------------------------------------------------------------------------
function twoHundredLines(seed) {
  const lines = [`// variant ${seed}`, 'import cloud from "@scraping-run/cloud"', '']
  let i = 0
  while (lines.length < 190) {
    lines.push(
      `interface Item${i} { id: number; name: string; tags?: string[] }`,
      `export function transform${i}(items: Item${i}[], factor: number = ${i + 1}): number {`,
      `  let total = 0`,
      `  for (const item of items) total += item.id * factor + (item.tags?.length ?? 0)`,
      `  return total`,
      `}`,
      '',
    )
    i++
  }
  lines.push(
    'export default async function (ctx: any) {',
    '  const items = [{ id: 1, name: "a" }, { id: 2, name: "b", tags: ["x"] }]',
    '  return { total: transform0(items) + transform1(items), appid: cloud.appid }',
    '}',
  )
  while (lines.length < 200) lines.push('')
  return lines.join('\n')
}

const store = core.memoryStore()
const coldExecutor = core.createExecutor({ store })
await coldExecutor.ready()
// Warm the compiler service and the code paths once.
store.set({ name: 'warm', source: twoHundredLines('warm') })
await coldExecutor.invoke('warm')
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 40)
const cold = []
const compileOnly = []
for (let i = 0; i < COLD_RUNS; i++) {
  const source = twoHundredLines(i)
  const t0 = performance.now()
  await core.compileFunction({ name: `compile${i}`, source, hash: `c${i}` })
  compileOnly.push(performance.now() - t0)
  store.set({ name: `cold${i}`, source })
  const started = performance.now()
  const result = await coldExecutor.invoke(`cold${i}`)
  const elapsed = performance.now() - started
  if (!result.cold || result.error) throw new Error(`cold run ${i} was not cold or failed: ${JSON.stringify(result.error)}`)
  cold.push(elapsed)
}
await coldExecutor.close()
console.log(`cold start (200-line TS: compile + load + first call), ${COLD_RUNS} runs:`)
console.log(`  vm: median ${median(cold).toFixed(2)} ms (target ≤ 5 ms); of which compile alone median ${median(compileOnly).toFixed(2)} ms`)

// The same in the isolate sandbox: from a warm isolate of the pool, and with a fresh isolate each time.
async function isolateCold(warmIsolates, label) {
  const isoStore = core.memoryStore()
  const isoExecutor = core.createExecutor({ store: isoStore, sandbox: core.isolateSandbox({ warmIsolates }) })
  await isoExecutor.ready()
  isoStore.set({ name: 'warm', source: twoHundredLines('iso-warm') })
  await isoExecutor.invoke('warm')
  const times = []
  // The first runs of a process warm isolated-vm's and esbuild's own code paths: they are left out, as for vm above.
  const WARMUP = 10
  for (let i = 0; i < COLD_RUNS + WARMUP; i++) {
    isoStore.set({ name: `iso${warmIsolates}x${i}`, source: twoHundredLines(`iso${warmIsolates}x${i}`) })
    // Let the pool refill between runs (it boots a spare 30 ms after a load), as it does between deploys.
    await new Promise((resolve) => setTimeout(resolve, warmIsolates ? 200 : 0))
    const started = performance.now()
    const result = await isoExecutor.invoke(`iso${warmIsolates}x${i}`)
    if (i >= WARMUP) times.push(performance.now() - started)
    if (result.error) throw new Error(`isolate cold run ${i} failed: ${JSON.stringify(result.error)}`)
  }
  await isoExecutor.close()
  console.log(`  isolate, ${label}: median ${median(times).toFixed(2)} ms`)
}
await isolateCold(2, 'from the warm pool (target ≤ 5 ms)')
await isolateCold(0, 'fresh isolate each time')
const rssBefore = process.memoryUsage().rss
const many = core.createExecutor({
  store: core.memoryStore(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, source: 'export default () => 1' }))),
  sandbox: core.isolateSandbox({ warmIsolates: 0 }),
})
for (let i = 0; i < 20; i++) await many.invoke(`f${i}`)
console.log(`  RSS per warm isolate (20 functions): ${((process.memoryUsage().rss - rssBefore) / 20 / 1024 / 1024).toFixed(1)} MB`)
await many.close()
await rm(dir, { recursive: true, force: true })
