import type { ServerResponse } from 'node:http'
import type { TokenPayload } from '@scraping-run/cloud'
import type { ConsoleBridge } from '../types.js'

/** What the host knows about one running invocation; sandbox calls reach it by invocation id only. */
export interface Frame {
  readonly requestId: string
  readonly functionName: string
  user: TokenPayload | null
  readonly depth: number
  readonly log: ConsoleBridge
  readonly response?: ServerResponse
  /** The caller-side signal nested `cloud.invoke` calls inherit. */
  signal(): AbortSignal
  /** Ends the invocation with this error (an uncaught error in one of its callbacks). */
  fail(error: unknown): void
  done: boolean
}

export interface CallEntry {
  frame: Frame
  /** For an `__interceptor__` call: runs the rest of the chain. */
  next?: (patch: unknown) => Promise<unknown>
}

// Calls that ended recently stay resolvable, so a timer that outlives its call still logs under the right function.
const RECENT_CALLS = 1000
let counter = 0

/** Invocation ids → frames. Ids are unique in the process, so several executors may share one sandbox. */
export class Invocations {
  private readonly live = new Map<string, CallEntry>()
  private readonly recent = new Map<string, CallEntry>()

  open(entry: CallEntry): string {
    const id = `c${++counter}`
    this.live.set(id, entry)
    return id
  }

  close(id: string): void {
    const entry = this.live.get(id)
    if (!entry) return
    this.live.delete(id)
    this.recent.set(id, entry)
    if (this.recent.size > RECENT_CALLS) this.recent.delete(this.recent.keys().next().value as string)
  }

  get(id: string): CallEntry | undefined {
    return this.live.get(id) ?? this.recent.get(id)
  }

  clear(): void {
    this.live.clear()
    this.recent.clear()
  }
}
