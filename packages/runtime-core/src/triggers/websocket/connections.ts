import { randomUUID } from 'node:crypto'
import type { TokenPayload } from '@scraping-run/cloud'
import type { WebSocket } from 'ws'
import { RuntimeError } from '../../errors.js'
import type { SocketInfo, SocketSource } from '../../executor/sockets.js'
import { encodeMessage, sendOptions, type Encoded } from './decode.js'
import { CLOSE, startHeartbeat, type Limits } from './limits.js'

/** Why the entry point ended a connection itself (the `close` event's `body.error`). */
export interface CloseCause {
  code: 'SLOW_CLIENT' | 'HEARTBEAT_TIMEOUT' | 'PAYLOAD_TOO_LARGE' | 'EXECUTOR_CLOSED' | 'FUNCTION_ERROR'
  message: string
  /** The close code the server sent, when the client did not answer with it. */
  sent?: number
}

/** One live connection and what its events carry. */
export interface Connection {
  readonly id: string
  readonly ws: WebSocket
  readonly user: TokenPayload | null
  readonly path: string
  readonly query: Record<string, string>
  readonly headers: Record<string, string | string[] | undefined>
  alive: boolean
  cause?: CloseCause
  /** Events queued for the function, in order. */
  tail: Promise<void>
  pending: number
}

const OPEN = 1

/** The connections of one `attachWebSocket`: sending with backpressure, the heartbeat, and shutting down. */
export class Connections implements SocketSource {
  private readonly byId = new Map<string, Connection>()
  private readonly stopHeartbeat: () => void

  constructor(private readonly limits: Limits) {
    this.stopHeartbeat = startHeartbeat(limits.heartbeatMs, () => this.beat())
  }

  get size(): number {
    return this.byId.size
  }

  add(ws: WebSocket, info: Pick<Connection, 'user' | 'path' | 'query' | 'headers'>): Connection {
    const connection: Connection = { id: randomUUID(), ws, ...info, alive: true, tail: Promise.resolve(), pending: 0 }
    this.byId.set(connection.id, connection)
    ws.on('pong', () => {
      connection.alive = true
    })
    return connection
  }

  remove(connection: Connection): void {
    this.byId.delete(connection.id)
  }

  list(): SocketInfo[] {
    const out: SocketInfo[] = []
    for (const connection of this.byId.values()) if (connection.ws.readyState === OPEN) out.push({ id: connection.id, user: connection.user })
    return out
  }

  get(id: string): SocketInfo | undefined {
    const connection = this.byId.get(id)
    return connection && connection.ws.readyState === OPEN ? { id: connection.id, user: connection.user } : undefined
  }

  send(id: string, data: unknown): boolean {
    const connection = this.byId.get(id)
    return connection ? this.deliver(connection, encodeMessage(data)) : false
  }

  close(id: string, code?: number, reason?: string): boolean {
    const connection = this.byId.get(id)
    if (!connection) return false
    try {
      connection.ws.close(code, reason)
    } catch (error) {
      // ws refuses reserved codes and reasons over 123 bytes: the caller's mistake, said plainly.
      throw new RuntimeError('BAD_REQUEST', `socket.close(${String(code)}, …): ${(error as Error).message}`, { cause: error })
    }
    return true
  }

  broadcast(data: unknown, except: ReadonlySet<string>): number {
    const message = encodeMessage(data)
    let count = 0
    for (const connection of [...this.byId.values()]) {
      if (!except.has(connection.id) && this.deliver(connection, message)) count++
    }
    return count
  }

  /** Sends unless the client is too far behind; one that is gets dropped, so it cannot grow the host's memory. */
  deliver(connection: Connection, message: Encoded): boolean {
    const { ws } = connection
    if (ws.readyState !== OPEN) return false
    ws.send(message.data, sendOptions(message))
    if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.drop(connection, { code: 'SLOW_CLIENT', message: `the client fell more than ${this.limits.maxBufferedBytes} bytes behind (maxBufferedBytes)` })
    }
    return true
  }

  /** Ends a connection at once (no close handshake: a client that does not read would never complete one). */
  drop(connection: Connection, cause: CloseCause): void {
    connection.cause ??= cause
    connection.ws.terminate()
  }

  /** The ping/pong heartbeat: a connection that did not answer the previous ping is dropped, the others pinged again. */
  private beat(): void {
    for (const connection of [...this.byId.values()]) {
      if (!connection.alive) {
        this.drop(connection, { code: 'HEARTBEAT_TIMEOUT', message: 'no pong within the heartbeat interval (heartbeatMs)' })
        continue
      }
      connection.alive = false
      connection.ws.ping()
    }
  }

  /** What `executor.close()` calls: the entry point sets it to its own `close()`. */
  shutdown: () => Promise<void> = () => this.closeAll()

  /** Closes every connection with 1001 and waits for the handshakes (a client that does not answer is cut off). */
  async closeAll(graceMs = 1000): Promise<void> {
    this.stopHeartbeat()
    const connections = [...this.byId.values()]
    await Promise.all(
      connections.map(
        (connection) =>
          new Promise<void>((resolve) => {
            if (connection.ws.readyState === 3) return resolve()
            const timer = setTimeout(() => connection.ws.terminate(), graceMs)
            connection.ws.once('close', () => {
              clearTimeout(timer)
              resolve()
            })
            connection.cause ??= { code: 'EXECUTOR_CLOSED', message: 'the server is shutting down', sent: CLOSE.goingAway }
            connection.ws.close(CLOSE.goingAway, 'server shutting down')
          }),
      ),
    )
    await Promise.allSettled(connections.map((connection) => connection.tail))
  }
}
