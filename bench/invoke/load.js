// Load generator, run in its own process: keep-alive POSTs of a fixed body to one URL for a fixed time, from
// `connections` concurrent loops. Prints one JSON line: {requests, errors, seconds, latenciesUs (sorted sample)}.
import http from 'node:http'

const [url, seconds, connections, bodyFile] = process.argv.slice(2)
const body = Buffer.from(await (await import('node:fs/promises')).readFile(bodyFile))
const target = new URL(url)
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) })
const deadline = performance.now() + Number(seconds) * 1000
const latencies = []
let requests = 0
let errors = 0

function once() {
  return new Promise((resolve) => {
    const started = performance.now()
    const req = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.on('data', () => {})
        res.on('end', () => {
          if (res.statusCode !== 200) errors++
          latencies.push(performance.now() - started)
          requests++
          resolve()
        })
      },
    )
    req.on('error', () => {
      errors++
      resolve()
    })
    req.end(body)
  })
}

async function loop() {
  while (performance.now() < deadline) await once()
}

const start = performance.now()
await Promise.all(Array.from({ length: Number(connections) }, loop))
const elapsed = (performance.now() - start) / 1000
latencies.sort((a, b) => a - b)
const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
process.stdout.write(JSON.stringify({ requests, errors, seconds: elapsed, p50: pick(0.5), p99: pick(0.99) }) + '\n')
agent.destroy()
