import { RuntimeError } from '../../errors.js'

export const DEFAULT_MAX_PAYLOAD = 1024 * 1024
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024
export const DEFAULT_HEARTBEAT_MS = 30_000
/** Messages of one connection waiting for the function before its socket stops being read (TCP then slows the client). */
export const DEFAULT_MAX_PENDING = 64
/**
 * Events of all connections running at once. Below the isolate pool's default capacity (4 isolates + 64 queued), so a
 * burst of connections waits here instead of failing with OVERLOADED.
 */
export const DEFAULT_MAX_CONCURRENCY = 32

/** Close codes of RFC 6455 the entry point uses. */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
} as const

export interface Limits {
  maxPayload: number
  maxBufferedBytes: number
  heartbeatMs: number
  maxPending: number
  maxConnections: number
  maxConcurrency: number
}

export function readLimits(options: Partial<Limits>): Limits {
  return {
    maxPayload: count('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD, 1),
    maxBufferedBytes: count('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES, 1),
    heartbeatMs: count('heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS, 0),
    maxPending: count('maxPending', options.maxPending, DEFAULT_MAX_PENDING, 1),
    maxConnections: count('maxConnections', options.maxConnections, Infinity, 0),
    maxConcurrency: count('maxConcurrency', options.maxConcurrency, DEFAULT_MAX_CONCURRENCY, 1),
  }
}

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (Number.isFinite(value) && !Number.isInteger(value))) {
    throw new RuntimeError('BAD_REQUEST', `attachWebSocket: ${name} must be an integer ≥ ${min} (got ${String(value)})`)
  }
  return value
}

/** Calls `beat` every `intervalMs` (0: never), without keeping the process alive. Returns the stop. */
export function startHeartbeat(intervalMs: number, beat: () => void): () => void {
  if (intervalMs === 0) return () => undefined
  const timer = setInterval(beat, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** At most `max` holders at once; the others wait in order. `enter()` returns nothing when there is room (no await). */
export class Gate {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly max: number) {}

  enter(): Promise<void> | undefined {
    if (this.active < this.max) {
      this.active++
      return undefined
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  leave(): void {
    const next = this.waiting.shift()
    // The slot passes straight to the next waiter.
    if (next) next()
    else this.active--
  }
}
