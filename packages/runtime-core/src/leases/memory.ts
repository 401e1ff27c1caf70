import type { Lease, LeaseEntry } from './types.js'
import { checkKey, checkTtl, defaultHolder } from './holder.js'

export interface MemoryLeaseOptions {
  /** Default `ttlMs` for `acquire`/`renew`. Default 10 s. */
  ttlMs?: number
  holder?: string
  /**
   * The table leases live in. Leases built on the same table compete (as hosts do on one MongoDB collection); by default
   * every `memoryLease()` has its own, which is all one process needs.
   */
  table?: Map<string, LeaseEntry>
}

// Expired entries are dropped lazily, once the table grows past this, so finished cron ticks do not pile up.
const SWEEP_AT = 1000

/** Leases within one process: a Map of key → {holder, until}. JavaScript runs one call at a time, so every call is atomic. */
export function memoryLease(options: MemoryLeaseOptions = {}): Lease {
  const defaultTtl = checkTtl(options.ttlMs ?? 10_000)
  const holder = options.holder ?? defaultHolder()
  const table = options.table ?? new Map<string, LeaseEntry>()

  function sweep(now: number): void {
    if (table.size < SWEEP_AT) return
    for (const [key, entry] of table) if (entry.until <= now) table.delete(key)
  }

  return {
    holder,
    async acquire(key, ttlMs = defaultTtl) {
      checkKey(key)
      checkTtl(ttlMs)
      const now = Date.now()
      sweep(now)
      const entry = table.get(key)
      if (entry && entry.holder !== holder && entry.until > now) return false
      table.set(key, { holder, until: now + ttlMs })
      return true
    },
    async renew(key, ttlMs = defaultTtl) {
      checkKey(key)
      checkTtl(ttlMs)
      const now = Date.now()
      const entry = table.get(key)
      if (!entry || entry.holder !== holder || entry.until <= now) return false
      entry.until = now + ttlMs
      return true
    },
    async release(key) {
      checkKey(key)
      const entry = table.get(key)
      if (!entry || entry.holder !== holder) return false
      table.delete(key)
      return true
    },
  }
}
