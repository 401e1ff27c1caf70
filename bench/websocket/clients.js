// Load generator, run in its own process: `clients` WebSocket connections to one URL; the first one sends numbered text
// messages, keeping `window` of them in flight, and a message counts once every client has received its broadcast.
// Prints one JSON line: {messages, deliveries, seconds}.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const requireRuntime = createRequire(join(fileURLToPath(new URL('../../packages/runtime-core/', import.meta.url)), 'package.json'))
const WebSocket = requireRuntime('ws')
const [url, seconds, clients, window, size] = process.argv.slice(2).map((value, i) => (i === 0 ? value : Number(value)))

const sockets = await Promise.all(
  Array.from({ length: clients }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })),
)
const padding = 'x'.repeat(Math.max(0, size - 12))
const received = new Map()
let next = 0
let messages = 0
let deliveries = 0
let finished = false
let done
const over = new Promise((resolve) => (done = resolve))
const send = () => sockets[0].send(`${next++} ${padding}`)

for (const ws of sockets) {
  ws.on('message', (data) => {
    deliveries++
    const text = String(data)
    const id = Number(text.slice(0, text.indexOf(' ')))
    const count = (received.get(id) ?? 0) + 1
    if (count < clients) return void received.set(id, count)
    received.delete(id)
    messages++
    if (finished) {
      if (received.size === 0) done()
      return
    }
    send()
  })
}
// Wait for the connection events to have run (the function's first reply-free work) before measuring.
await new Promise((resolve) => setTimeout(resolve, 200))
const started = performance.now()
for (let i = 0; i < window; i++) send()
await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
finished = true
const elapsed = (performance.now() - started) / 1000
const counted = { messages, deliveries }
if (received.size > 0) await Promise.race([over, new Promise((resolve) => setTimeout(resolve, 5000))])
for (const ws of sockets) ws.terminate()
process.stdout.write(JSON.stringify({ ...counted, seconds: elapsed }) + '\n')
