import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { RuntimeError } from '../errors.js'

/** A holder id that names the host and process (readable in the lease collection) and is unique per instance. */
export function defaultHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
}

export function checkTtl(ttlMs: unknown, what = 'ttlMs'): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 1) {
    throw new RuntimeError('BAD_REQUEST', `${what} must be a positive number of milliseconds, got ${String(ttlMs)}`)
  }
  return ttlMs
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new RuntimeError('BAD_REQUEST', 'a lease key must be a non-empty string of at most 1024 characters')
  }
  return key
}
