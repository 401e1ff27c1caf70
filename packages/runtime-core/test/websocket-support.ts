// Real servers on port 0 and real `ws` clients for the WebSocket tests.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { attachWebSocket, createExecutor, memorySink, memoryStore, type Executor, type FunctionRecordInput, type Sandbox, type WebSocketHandle, type WebSocketOptions } from '@scraping-run/runtime-core'

export const SECRET = 'ws-test-secret'

/** A chat function exercising every part of the entry point; it logs each event as one JSON line. */
export const CHAT = `
import cloud from '@scraping-run/cloud'
export default async function (ctx: any) {
  const { event, connectionId } = ctx.trigger
  const body = ctx.body
  const bytes = ArrayBuffer.isView(body)
  console.log(JSON.stringify({ kind: ctx.trigger.kind, event, connectionId, uid: ctx.user?.uid ?? null, body: bytes ? { bytes: body.byteLength } : body ?? null, room: ctx.query.room ?? null, path: ctx.path }))
  if (event === 'connection' && ctx.query.slow) await new Promise((resolve) => setTimeout(resolve, 20))
  if (event === 'connection') return { hello: connectionId, uid: ctx.user?.uid ?? null }
  if (event !== 'message') return
  if (bytes) return body
  if (body && body.broadcast !== undefined) return { sent: cloud.sockets.broadcast({ from: connectionId, text: body.broadcast }, body.except ? { except: connectionId } : undefined) }
  if (body && body.each !== undefined) { let n = 0; cloud.sockets.forEach((socket: any) => { socket.send(body.each); n++ }); return { each: n } }
  if (body && body.list) { const all = [...cloud.sockets]; return { size: cloud.sockets.size, ids: all.map((s: any) => s.id).sort(), users: all.map((s: any) => s.user?.uid ?? null).sort(), has: cloud.sockets.has(connectionId), self: cloud.sockets.get(connectionId)?.user?.uid ?? null } }
  if (body && body.to) return { sent: cloud.sockets.send(body.to, body.text) }
  if (body && body.chunk !== undefined) { cloud.sockets.broadcast('x'.repeat(body.size)); return }
  if (body && body.self) return { sent: ctx.socket.send('via ctx.socket'), method: ctx.method, socket: ctx.socket.id === connectionId, uid: ctx.socket.user?.uid ?? null }
  if (body && body.sleep) await new Promise((resolve) => setTimeout(resolve, body.sleep))
  if (body && body.fail) throw new Error('the function failed on purpose')
  return { echo: body, uid: ctx.user?.uid ?? null }
}
`

export interface Running {
  executor: Executor
  server: Server
  handle: WebSocketHandle
  url: string
  /** The JSON lines the function logged, in order. */
  events(): Array<Record<string, any>>
  close(): Promise<void>
}

export async function start(sandbox: () => Sandbox, ws: WebSocketOptions = {}, records: FunctionRecordInput[] = []): Promise<Running> {
  const sink = memorySink()
  const executor = createExecutor({ store: memoryStore([{ name: '__websocket__', source: CHAT }, ...records]), sandbox: sandbox(), jwtSecret: SECRET, logSink: sink })
  const server = createServer((_req, res) => res.writeHead(404).end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const handle = attachWebSocket(server, executor, ws)
  const { port } = server.address() as AddressInfo
  return {
    executor,
    server,
    handle,
    url: `ws://127.0.0.1:${port}${handle.path}`,
    events: () => sink.records.flatMap((record) => record.logs.map((log) => JSON.parse(log.message))),
    async close() {
      await executor.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A `ws` client that keeps what it receives (JSON when it parses) and how it closed. */
export class Client {
  readonly received: unknown[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buffer = data as Buffer
      if (isBinary) this.received.push(new Uint8Array(buffer))
      else {
        const text = buffer.toString('utf8')
        try {
          this.received.push(JSON.parse(text))
        } catch {
          this.received.push(text)
        }
      }
      for (const wake of this.waiters.splice(0)) wake()
    })
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    ws.on('error', () => undefined)
  }

  static open(url: string, options?: WebSocket.ClientOptions): Promise<Client> {
    const ws = new WebSocket(url, options)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode })))
      ws.once('error', reject)
      const client = new Client(ws)
    })
  }

  /** The next message after the `index`-th (default: the next not yet taken). */
  private taken = 0
  async next(): Promise<any> {
    while (this.received.length <= this.taken) await new Promise<void>((resolve) => this.waiters.push(resolve))
    return this.received[this.taken++]
  }

  async request(message: unknown): Promise<any> {
    this.send(message)
    return this.next()
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message))
  }
}

/** Polls until `check` holds (the test's own timeout bounds it). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}
