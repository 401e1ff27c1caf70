import type { ServerResponse } from 'node:http'
import type { TokenPayload } from '@scraping-run/cloud'
import type { ConsoleBridge } from '../types.js'

/** What the host knows about one running invocation; sandbox calls reach it by invocation id only. */
export interface Frame {
  readonly requestId: string
  readonly functionName: string
  readonly user: TokenPayload | null
  readonly depth: number
  readonly response?: ServerResponse | undefined
  /** The call was started by an HTTP request (its response is let go of when it ends). */
  readonly hadResponse?: boolean
  readonly done: boolean
  log: ConsoleBridge
  /** The caller-side signal nested `cloud.invoke` calls inherit (undefined once the call ended). */
  signal(): AbortSignal | undefined
  /** Ends the invocation with this error (an uncaught error in one of its callbacks). */
  fail(error: unknown): void
  progress(progress: import('../types.js').InvokeProgress): void
  /** What the sandbox reported the call cost (isolates: fresh or warm, heap). */
  stats?: CallStats
}

export interface CallStats {
  isolate?: 'new' | 'warm'
  usedBytes?: number
  limitBytes?: number
}

export interface CallEntry {
  frame: Frame
  /** For an `__interceptor__` call: runs the rest of the chain. */
  next?: (patch: unknown) => Promise<unknown>
}

let counter = 0

/**
 * Invocation ids → running calls. Ids are unique in the process, so several executors may share one sandbox. An ended
 * call is forgotten at once: late callbacks reach their frame through the per-invocation bridge the sandbox holds (see
 * `HostBridge.forFrame`), which lives exactly as long as the function's pending work.
 */
export class Invocations {
  private readonly live = new Map<string, CallEntry>()

  open(entry: CallEntry): string {
    const id = `c${++counter}`
    this.live.set(id, entry)
    return id
  }

  close(id: string): void {
    this.live.delete(id)
  }

  get(id: string): CallEntry | undefined {
    return this.live.get(id)
  }
}
