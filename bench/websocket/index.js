// bench/websocket: messages per second broadcast to 100 local clients through a `__websocket__` function
// (attachWebSocket, `cloud.sockets.broadcast`), in vmSandbox and isolateSandbox, vs raw `ws` broadcasting the same
// message from its own 'message' handler (no function, no executor). All servers in this process, the clients in a
// second process (clients.js), alternating rounds; messages/s and server CPU per message, median of per-round ratios.
// Needs a build. Asserts nothing.
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const runtimeDir = join(root, 'packages/runtime-core')
const requireRuntime = createRequire(join(runtimeDir, 'package.json'))
const { WebSocketServer } = requireRuntime('ws')
const core = await import(pathToFileURL(join(runtimeDir, 'dist/index.js')).href)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100)
const WINDOW = Number(process.env.BENCH_WINDOW ?? 8)
const SIZE = Number(process.env.BENCH_SIZE ?? 64)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
const urlOf = (server, path) => `ws://127.0.0.1:${server.address().port}${path}`

// The message is text that is not JSON, so the function broadcasts the very string it got.
const CHAT = 'import cloud from "@scraping-run/cloud"\nexport default (ctx: any) => { if (ctx.trigger.event === "message") cloud.sockets.broadcast(ctx.body) }'
const servers = {}
const executors = []
const handles = []
async function functionServer(name, sandbox) {
  const executor = core.createExecutor({ store: core.memoryStore([{ name: '__websocket__', source: CHAT }]), sandbox })
  executors.push(executor)
  const server = await listen(createServer())
  handles.push(core.attachWebSocket(server, executor, { path: '/ws' }))
  servers[name] = { server, url: urlOf(server, '/ws') }
}
await functionServer('vm', core.vmSandbox())
const isolateMissing = await core.isolateUnavailableReason()
if (!isolateMissing && process.env.BENCH_ISOLATE !== '0') await functionServer('isolate', core.isolateSandbox())

// Baseline: the same broadcast with ws alone.
const rawServer = await listen(createServer())
const raw = new WebSocketServer({ server: rawServer, path: '/ws', perMessageDeflate: false })
raw.on('connection', (ws) => ws.on('message', (data, isBinary) => { for (const client of raw.clients) client.send(data, { binary: isBinary }) }))
servers.raw = { server: rawServer, url: urlOf(rawServer, '/ws') }

const clientsScript = fileURLToPath(new URL('./clients.js', import.meta.url))
async function measure(name, seconds) {
  const cpu = process.cpuUsage()
  const { stdout } = await run(process.execPath, [clientsScript, servers[name].url, String(seconds), String(CLIENTS), String(WINDOW), String(SIZE)], { maxBuffer: 1 << 20 })
  const used = process.cpuUsage(cpu)
  const result = JSON.parse(stdout)
  return { rate: result.messages / result.seconds, deliveries: result.deliveries / result.seconds, cpu: (used.user + used.system) / Math.max(1, result.messages) }
}

const names = Object.keys(servers)
console.log(`${ROUNDS} rounds × ${SECONDS}s per server, ${CLIENTS} clients in a second process, ${WINDOW} messages in flight, ${SIZE}-byte text messages; a message counts when all ${CLIENTS} clients got it${isolateMissing ? `; isolate skipped: ${isolateMissing}` : ''}`)
for (const name of names) await measure(name, 1)
const results = Object.fromEntries(names.map((name) => [name, []]))
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse()
  for (const name of order) results[name].push(await measure(name, SECONDS))
}
for (const name of names) {
  const list = results[name]
  console.log(`  ${name.padEnd(8)} ${median(list.map((r) => r.rate)).toFixed(0).padStart(6)} messages/s (${median(list.map((r) => r.deliveries)).toFixed(0)} deliveries/s)   server CPU ${median(list.map((r) => r.cpu)).toFixed(0)} µs/message`)
}
for (const name of names.filter((each) => each !== 'raw')) {
  const ratios = results[name].map((r, i) => r.rate / results.raw[i].rate)
  const cpuRatios = results[name].map((r, i) => results.raw[i].cpu / r.cpu)
  console.log(`  ratio ${name}/raw by messages/s: ${median(ratios).toFixed(3)} [${ratios.map((x) => x.toFixed(2)).join(', ')}]; by server CPU (raw/${name}): ${median(cpuRatios).toFixed(3)} [${cpuRatios.map((x) => x.toFixed(2)).join(', ')}]`)
}
for (const handle of handles) await handle.close()
for (const executor of executors) await executor.close()
raw.close()
for (const { server } of Object.values(servers)) {
  server.closeAllConnections()
  server.close()
}
