// bench/mcp: one tool call through the MCP SDK client vs one plain HTTP invoke of the same function
// (runtime-core's functionsMiddleware), both on the same executor and server. A second process drives the load, the two
// paths alternate round by round, and the ratio (MCP time per call / HTTP time per call) is printed; target <= 1.5.
// Needs a build first (`pnpm build`): it loads the packages' dist like a host app would.
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

// The bench package has no dependencies of its own: modules resolve from the adapter package, which has them all.
const adapterRoot = fileURLToPath(new URL('../../packages/mcp-adapter/', import.meta.url))
const requireFromAdapter = createRequire(`${adapterRoot}package.json`)
const load = (specifier) => import(pathToFileURL(requireFromAdapter.resolve(specifier)).href)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)

const FUNCTION = {
  name: 'echo',
  description: 'Echoes a number back',
  inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  source: 'export default async function (ctx) { return { n: ctx.body.n, ok: true } }',
}

async function serve() {
  const { default: express } = await load('express')
  const { createExecutor, memoryStore } = await load('@scraping-run/runtime-core')
  const { functionsMiddleware } = await load('@scraping-run/runtime-core/express')
  const { createMcpHandler } = await load('@scraping-run/mcp-adapter')
  const executor = createExecutor({ store: memoryStore([FUNCTION]) })
  const app = express()
  app.use('/fn', functionsMiddleware(executor))
  app.all('/mcp', express.json(), createMcpHandler(executor, { name: 'bench', version: '1.0.0' }))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }
}

// CPU time per call (client process + server process) is printed beside wall-clock throughput: on a shared, loaded
// machine it moves far less than calls/s, and it is what a host actually pays for each path.
const cpuMs = (usage) => (usage.user + usage.system) / 1000

// The driver asks the server process for its CPU counter over IPC at the start and end of every measured window.
let serverCpuRequests = 0
const pendingCpu = new Map()
function serverCpu() {
  const id = ++serverCpuRequests
  return new Promise((resolve) => {
    pendingCpu.set(id, resolve)
    process.send({ cpu: id })
  })
}

/** Runs `once` from CONCURRENCY loops for `ms`; returns calls per second and CPU ms per call (both processes). */
async function measure(once, ms, withCpu = true) {
  let calls = 0
  const serverBefore = withCpu ? await serverCpu() : 0
  const clientBefore = process.cpuUsage()
  const deadline = performance.now() + ms
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await once(calls)
        calls++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const clientCpu = cpuMs(process.cpuUsage(clientBefore))
  const serverAfter = withCpu ? await serverCpu() : 0
  return { rate: calls / seconds, clientCpu: clientCpu / calls, serverCpu: (serverAfter - serverBefore) / calls }
}

async function drive(base) {
  const { Client, StreamableHTTPClientTransport } = await load('@modelcontextprotocol/client')
  const clients = {}
  for (const [label, mode] of [
    ['MCP 2026-07-28', 'auto'],
    ['MCP 2025 (stateless)', 'legacy'],
  ]) {
    const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode } })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))
    clients[label] = client
  }
  const paths = {
    'plain HTTP invoke': async (n) => {
      const response = await fetch(`${base}/fn/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) })
      const body = await response.json()
      if (body.n !== n) throw new Error('wrong HTTP answer')
    },
  }
  for (const [label, client] of Object.entries(clients)) {
    paths[label] = async (n) => {
      const result = await client.callTool({ name: 'echo', arguments: { n } })
      if (result.structuredContent?.n !== n) throw new Error(`wrong MCP answer: ${JSON.stringify(result)}`)
    }
  }
  // Warm up every path (compile, JIT, connections) before measuring.
  for (const once of Object.values(paths)) await measure(once, 300, false)
  const results = Object.fromEntries(Object.keys(paths).map((label) => [label, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round so neither path always runs on a warmer or cooler machine.
    const order = round % 2 === 0 ? Object.keys(paths) : Object.keys(paths).reverse()
    for (const label of order) results[label].push(await measure(paths[label], ROUND_MS))
  }
  for (const client of Object.values(clients)) await client.close()
  return results
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

if (process.argv[2] === '--drive') {
  process.on('message', (message) => pendingCpu.get(message.cpu)?.(message.ms))
  process.send({ results: await drive(process.argv[3]) })
} else {
  const server = await serve()
  const child = fork(fileURLToPath(import.meta.url), ['--drive', server.base])
  const results = await new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.cpu) child.send({ cpu: message.cpu, ms: cpuMs(process.cpuUsage()) })
      else resolve(message.results)
    })
    child.once('exit', (code) => reject(new Error(`driver exited with ${code}`)))
  })
  child.kill()
  server.close()
  const base = results['plain HTTP invoke']
  const baseRate = median(base.map((r) => r.rate))
  const cpuOf = (runs) => median(runs.map((r) => r.clientCpu + r.serverCpu))
  const baseCpu = cpuOf(base)
  console.log(`${ROUNDS} alternating rounds of ${ROUND_MS} ms, ${CONCURRENCY} concurrent callers (medians; ratio = MCP cost / HTTP cost, target <= 1.5):`)
  for (const [label, runs] of Object.entries(results)) {
    const rate = median(runs.map((r) => r.rate))
    const cpu = cpuOf(runs)
    const split = `client ${median(runs.map((r) => r.clientCpu)).toFixed(2)} + server ${median(runs.map((r) => r.serverCpu)).toFixed(2)}`
    const ratios = label === 'plain HTTP invoke' ? '' : `  ratio ${(baseRate / rate).toFixed(2)} by time, ${(cpu / baseCpu).toFixed(2)} by CPU`
    console.log(`  ${label.padEnd(22)} ${rate.toFixed(0).padStart(6)} calls/s  ${cpu.toFixed(2)} CPU ms/call (${split})${ratios}`)
  }
  process.exit(0)
}
