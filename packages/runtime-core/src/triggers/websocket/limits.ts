import { RuntimeError } from '../../errors.js'

export const DEFAULT_MAX_PAYLOAD = 1024 * 1024
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024
export const DEFAULT_HEARTBEAT_MS = 30_000
/** Messages of one connection waiting for the function before its socket stops being read (TCP then slows the client). */
export const DEFAULT_MAX_PENDING = 64

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
}

export function readLimits(options: Partial<Limits>): Limits {
  return {
    maxPayload: count('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD, 1),
    maxBufferedBytes: count('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES, 1),
    heartbeatMs: count('heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS, 0),
    maxPending: count('maxPending', options.maxPending, DEFAULT_MAX_PENDING, 1),
    maxConnections: count('maxConnections', options.maxConnections, Infinity, 0),
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
