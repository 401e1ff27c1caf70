import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveFeatures, type Route } from './helpers.js'
import { mongoFeature } from '../src/features/mongo.js'
import { proxyFeature } from '../src/features/proxy.js'
import { functionsFeature } from '../src/features/functions.js'
import { websocketFeature } from '../src/features/websocket.js'

// The chat: functions/__websocket__.ts behind /ws, signed-in users only, in a real Express app on a real port.
let served: Awaited<ReturnType<typeof serveFeatures>>
let base: string
let routes: Route[]
const sockets: WebSocket[] = []

beforeAll(async () => {
  served = await serveFeatures([mongoFeature, proxyFeature, functionsFeature, websocketFeature], {})
  ;({ base, routes } = served)
}, 60_000)

afterAll(async () => {
  for (const socket of sockets) socket.terminate()
  await served?.close()
})

async function tokenFor(uid: string): Promise<string> {
  const response = await fetch(`${base}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uid }) })
  return ((await response.json()) as { token: string }).token
}

/** A client that queues what it receives. */
function connect(query: string): Promise<{ ws: WebSocket; next(): Promise<any> }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws${query}`)
  sockets.push(ws)
  const queue: unknown[] = []
  const waiting: Array<(value: unknown) => void> = []
  ws.on('message', (data) => {
    const value = JSON.parse(String(data))
    const wake = waiting.shift()
    if (wake) wake(value)
    else queue.push(value)
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((wake) => waiting.push(wake))) }))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

describe('websocket chat feature', () => {
  it('refuses a connection without a valid token (401)', async () => {
    await expect(connect('')).rejects.toThrow('refused: 401')
    await expect(connect('?token=forged')).rejects.toThrow('refused: 401')
  })

  it('tells everyone who joins, what is said and who leaves', async () => {
    const alice = await connect(`?token=${await tokenFor('alice')}`)
    expect(await alice.next()).toEqual({ type: 'welcome', name: 'alice', online: 1 })
    const bob = await connect(`?token=${await tokenFor('bob')}`)
    expect(await bob.next()).toEqual({ type: 'welcome', name: 'bob', online: 2 })
    expect(await alice.next()).toEqual({ type: 'joined', name: 'bob' })
    bob.ws.send(JSON.stringify({ text: 'hi alice' }))
    expect(await bob.next()).toEqual({ type: 'sent', text: 'hi alice', online: 2 })
    expect(await alice.next()).toEqual({ type: 'message', name: 'bob', text: 'hi alice' })
    alice.ws.send('plain text works too')
    expect(await bob.next()).toEqual({ type: 'message', name: 'alice', text: 'plain text works too' })
    expect(await alice.next()).toEqual({ type: 'sent', text: 'plain text works too', online: 2 })
    bob.ws.close()
    expect(await alice.next()).toEqual({ type: 'left', name: 'bob' })
    alice.ws.close()
  })

  it('serves the chat page, and the printed client line chats', { timeout: 30_000 }, async () => {
    const page = await fetch(`${base}/chat.html`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('/ws?token=')
    const route = routes.find((each) => each.method === 'WS')!
    expect(route.path).toBe('/ws')
    const listener = await connect(`?token=${await tokenFor('listener')}`)
    await listener.next()
    const cli = spawn('sh', ['-c', route.try!.replaceAll('$BASE', base)], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit'] })
    try {
      let output = ''
      cli.stdout.on('data', (chunk) => (output += chunk))
      while (!output.includes('welcome')) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await listener.next()).toEqual({ type: 'joined', name: 'demo-user' })
      cli.stdin.write('hello from the terminal\n')
      expect(await listener.next()).toEqual({ type: 'message', name: 'demo-user', text: 'hello from the terminal' })
    } finally {
      cli.kill()
    }
    listener.ws.close()
  })
})
