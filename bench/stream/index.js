// bench/stream: time to first byte of a streamed response vs a buffered one, for the same work (20 tokens, each after
// 10 ms, as a fake model would produce them). The streamed function returns sse(generator); the buffered one waits
// for every token and returns them at once. Same server, alternating requests, medians; in vmSandbox and, when
// isolated-vm can run here, isolateSandbox. Needs the packages built (`pnpm build`). Prints figures; asserts nothing.
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const runtimeDir = join(root, 'packages/runtime-core')
const express = createRequire(join(runtimeDir, 'package.json'))('express')
const core = await import(pathToFileURL(join(runtimeDir, 'dist/index.js')).href)
const { functionsMiddleware } = await import(pathToFileURL(join(runtimeDir, 'dist/express.js')).href)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const TOKENS = 20
const STEP_MS = 10

const WORK = `const tokens = async function* () { for (let i = 0; i < ${TOKENS}; i++) { await new Promise((r) => setTimeout(r, ${STEP_MS})); yield 'token' + i + ' ' } }`
const FUNCTIONS = [
  { name: 'streamed', source: `import { sse } from '@scraping-run/cloud'\n${WORK}\nexport default () => sse(tokens())` },
  { name: 'buffered', source: `${WORK}\nexport default async () => { let all = ''; for await (const t of tokens()) all += t; return { answer: all } }` },
]

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** ms to the first body byte and to the end of the body. */
function time(port, path) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let first
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      res.on('data', () => {
        first ??= performance.now() - started
      })
      res.on('end', () => resolve({ ttfb: first ?? performance.now() - started, total: performance.now() - started }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function measure(label, sandbox) {
  const executor = core.createExecutor({ store: core.memoryStore(FUNCTIONS), sandbox })
  const app = express()
  app.use('/fn', functionsMiddleware(executor))
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const { port } = server.address()
  for (let i = 0; i < 3; i++) await Promise.all([time(port, '/fn/streamed'), time(port, '/fn/buffered')])
  const streamed = []
  const buffered = []
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so drift on the shared machine hits both.
    if (i % 2) {
      streamed.push(await time(port, '/fn/streamed'))
      buffered.push(await time(port, '/fn/buffered'))
    } else {
      buffered.push(await time(port, '/fn/buffered'))
      streamed.push(await time(port, '/fn/streamed'))
    }
  }
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await executor.close()
  const s = median(streamed.map((each) => each.ttfb))
  const b = median(buffered.map((each) => each.ttfb))
  const st = median(streamed.map((each) => each.total))
  const bt = median(buffered.map((each) => each.total))
  console.log(`${label}: time to first byte streamed ${s.toFixed(2)} ms, buffered ${b.toFixed(2)} ms → streamed / buffered ${(s / b).toFixed(3)}`)
  console.log(`${label}: whole response   streamed ${st.toFixed(2)} ms, buffered ${bt.toFixed(2)} ms → streamed / buffered ${(st / bt).toFixed(3)}`)
}

console.log(`${TOKENS} tokens, one every ${STEP_MS} ms, ${ROUNDS} alternating requests of each, medians`)
await measure('vmSandbox', core.vmSandbox())
const reason = await core.isolateUnavailableReason()
if (reason) console.log(`isolateSandbox: skipped (${reason})`)
else await measure('isolateSandbox', core.isolateSandbox({ warmIsolates: 1 }))
