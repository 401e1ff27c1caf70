import type { Collection, Db } from 'mongodb'
import { RuntimeError } from '../errors.js'
import type { Lease } from './types.js'
import { checkKey, checkTtl, defaultHolder } from './holder.js'

export interface MongoLeaseOptions {
  /** A `Db` of the official driver. */
  db: Db
  /** Default `'__leases__'`. */
  collection?: string
  /** Default `ttlMs` for `acquire`/`renew`. Default 10 s. */
  ttlMs?: number
  holder?: string
}

/** A stored lease: `_id` is the key. `until` is in the server's clock, so hosts' clocks need not agree. */
export interface LeaseDocument {
  _id: string
  holder: string
  until: Date
}

const DUPLICATE_KEY = 11000

/**
 * Leases in a MongoDB collection, for many hosts. `acquire` is one atomic `findOneAndUpdate` (upsert) that matches the key
 * only when it is ours or expired; a key held by another holder makes the upsert collide on `_id`, which means "taken".
 * Expiry is compared with the server's `$$NOW`. A TTL index on `until` removes expired leases (harmless: an expired lease
 * and a missing one mean the same).
 */
export function mongoLease(options: MongoLeaseOptions): Lease {
  if (!options || typeof options.db?.collection !== 'function') throw new RuntimeError('BAD_REQUEST', 'mongoLease needs a `db` (a Db of the mongodb driver)')
  const collection: Collection<LeaseDocument> = options.db.collection<LeaseDocument>(options.collection ?? '__leases__')
  const defaultTtl = checkTtl(options.ttlMs ?? 10_000)
  const holder = options.holder ?? defaultHolder()
  let indexed: Promise<unknown> | undefined

  function ensureIndex(): void {
    // Best effort and once: leases work without it, expired documents just stay longer.
    indexed ??= collection.createIndex({ until: 1 }, { expireAfterSeconds: 0, name: 'until_ttl' }).catch(() => undefined)
  }

  const ours = (key: string) => ({ _id: key, holder, $expr: { $gt: ['$until', '$$NOW'] } })

  return {
    holder,
    async acquire(key, ttlMs = defaultTtl) {
      checkKey(key)
      checkTtl(ttlMs)
      ensureIndex()
      try {
        const found = await collection.findOneAndUpdate(
          { _id: key, $expr: { $or: [{ $eq: ['$holder', holder] }, { $lte: ['$until', '$$NOW'] }] } },
          [{ $set: { holder, until: { $add: ['$$NOW', Math.ceil(ttlMs)] } } }],
          { upsert: true, returnDocument: 'after', projection: { holder: 1 } },
        )
        return found?.holder === holder
      } catch (error) {
        if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false
        throw error
      }
    },
    async renew(key, ttlMs = defaultTtl) {
      checkKey(key)
      checkTtl(ttlMs)
      const result = await collection.updateOne(ours(key), [{ $set: { until: { $add: ['$$NOW', Math.ceil(ttlMs)] } } }])
      return result.matchedCount === 1
    },
    async release(key) {
      checkKey(key)
      const result = await collection.deleteOne({ _id: key, holder })
      return result.deletedCount === 1
    },
  }
}
