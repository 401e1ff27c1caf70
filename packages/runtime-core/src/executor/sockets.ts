import type { TokenPayload } from '@scraping-run/cloud'
import { RuntimeError } from '../errors.js'
import type { Executor } from '../types.js'

/** What `cloud.sockets` lists of one connection. */
export interface SocketInfo {
  id: string
  user: TokenPayload | null
}

/** The connections one WebSocket entry point holds (`attachWebSocket` makes one per call). */
export interface SocketSource {
  /** Every open connection. */
  list(): SocketInfo[]
  readonly size: number
  get(id: string): SocketInfo | undefined
  /** `false` when the connection is not this source's (or is gone). */
  send(id: string, data: unknown): boolean
  close(id: string, code?: number, reason?: string): boolean
  broadcast(data: unknown, except: ReadonlySet<string>): number
  /** Closes every connection and stops accepting new ones. */
  shutdown(): Promise<void>
}

/**
 * The live connections of every WebSocket entry point attached to one executor: what the `sockets` bridge op answers,
 * and what `executor.close()` closes. Without an entry point it is simply empty.
 */
export class SocketHub {
  private readonly sources = new Set<SocketSource>()
  closed = false

  attach(source: SocketSource): () => void {
    if (this.closed) throw new RuntimeError('EXECUTOR_CLOSED', 'attachWebSocket: the executor is closed')
    this.sources.add(source)
    return () => {
      this.sources.delete(source)
    }
  }

  /** The host end of the `sockets` bridge op. */
  op(action: unknown, args: unknown[]): unknown {
    switch (action) {
      case 'list':
        return this.list()
      case 'size': {
        let size = 0
        for (const source of this.sources) size += source.size
        return size
      }
      case 'get':
        return this.find(String(args[0]))?.get(String(args[0])) ?? null
      case 'send':
        return this.find(String(args[0]))?.send(String(args[0]), args[1]) ?? false
      case 'close':
        return this.find(String(args[0]))?.close(String(args[0]), args[1] as number | undefined, args[2] as string | undefined) ?? false
      case 'broadcast': {
        const except = new Set(Array.isArray(args[1]) ? args[1].map(String) : [])
        let count = 0
        for (const source of [...this.sources]) count += source.broadcast(args[0], except)
        return count
      }
      default:
        throw new RuntimeError('BAD_REQUEST', `bridge sockets: unknown action ${JSON.stringify(action)}`)
    }
  }

  list(): SocketInfo[] {
    const out: SocketInfo[] = []
    for (const source of this.sources) out.push(...source.list())
    return out
  }

  private find(id: string): SocketSource | undefined {
    for (const source of this.sources) if (source.get(id)) return source
    return undefined
  }

  async close(): Promise<void> {
    this.closed = true
    const sources = [...this.sources]
    this.sources.clear()
    await Promise.allSettled(sources.map((source) => source.shutdown()))
  }
}

// Entry points find an executor's hub here, so the Executor interface needs no new public member.
const hubs = new WeakMap<Executor, SocketHub>()

export function registerSocketHub(executor: Executor, hub: SocketHub): void {
  hubs.set(executor, hub)
}

export function socketHubOf(executor: Executor): SocketHub | undefined {
  return hubs.get(executor)
}
