import type { Collection, Db, Document } from 'mongodb'
import { RuntimeError } from '../errors.js'
import type { InvocationLog, LogSink } from '../types.js'
import { warnSinkError } from './dispatch.js'
import { logFilter, type LogQuery } from './query.js'

export interface MongoSinkOptions {
  /** A database of the official `mongodb` driver (the sink never connects on its own). */
  db: Db
  /** Default `__logs__`. */
  collection?: string
  /** Records expire this many days after `startedAt` (a TTL index). Default 7. */
  ttlDays?: number
  /** Records per `insertMany`. Default 500 (the driver's fixed cost per call, spread over more records). */
  batchSize?: number
  /** A partial batch waits at most this long. Default 1000 ms. */
  flushMs?: number
  /** Records held while MongoDB is slow or down; beyond it the oldest are dropped (and counted). Default 10,000. */
  maxQueue?: number
  /** How long `close()` waits for the last records to be written before dropping them (MongoDB down). Default 5000 ms. */
  closeTimeoutMs?: number
  /** Told about failed writes and dropped records. Default: a warning, at most once a minute. */
  onError?: (error: unknown) => void
}

export interface MongoSinkStats {
  /** Records MongoDB acknowledged. */
  written: number
  /** Records dropped because the queue was full (MongoDB unreachable) or the sink closed before they were written. */
  dropped: number
  /** Records MongoDB refused (too large, a validation rule). */
  failed: number
  /** Records waiting, not counting the batch being written. */
  queued: number
  /** Records in the `insertMany` under way. */
  writing: number
}

export interface MongoSink extends LogSink {
  readonly name: 'mongo'
  write(record: InvocationLog): void
  /** Records matching the query, newest first (records still queued are not seen: `flush()` first). */
  queryLogs(query?: LogQuery): Promise<InvocationLog[]>
  /** Writes everything queued now; resolves when done (or when MongoDB refused; the records stay queued). */
  flush(): Promise<void>
  stats(): MongoSinkStats
  /** Writes what is queued (one attempt, at most `closeTimeoutMs`), then stops; later records are dropped. */
  close(): Promise<void>
}

const RETRY_BASE_MS = 250
const RETRY_MAX_MS = 10_000
const DUPLICATE_KEY = 11000
const INDEX_OPTIONS_CONFLICT = new Set([85, 86])

/**
 * Invocation records in a MongoDB collection: batched `insertMany`, a TTL index on `startedAt`, a bounded queue.
 * `write` only queues, so an invocation never waits for (or fails with) MongoDB.
 */
export function mongoSink(options: MongoSinkOptions): MongoSink {
  const settings = validate(options)
  return new MongoLogSink(options.db, settings, options.onError)
}

interface Settings {
  collection: string
  ttlSeconds: number
  batchSize: number
  flushMs: number
  maxQueue: number
  closeTimeoutMs: number
}

function positive(value: unknown, name: string, fallback: number, integer = true): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RuntimeError('BAD_REQUEST', `mongoSink: ${name} must be a positive ${integer ? 'integer' : 'number'}`)
  }
  return value
}

function validate(options: MongoSinkOptions): Settings {
  if (!options || typeof options.db?.collection !== 'function') throw new RuntimeError('BAD_REQUEST', 'mongoSink needs {db}: a Db of the mongodb driver (client.db(name))')
  const collection = options.collection ?? '__logs__'
  if (typeof collection !== 'string' || collection === '') throw new RuntimeError('BAD_REQUEST', 'mongoSink: collection must be a non-empty string')
  return {
    collection,
    ttlSeconds: Math.round(positive(options.ttlDays, 'ttlDays', 7, false) * 86_400),
    batchSize: positive(options.batchSize, 'batchSize', 500),
    flushMs: positive(options.flushMs, 'flushMs', 1000),
    maxQueue: positive(options.maxQueue, 'maxQueue', 10_000),
    closeTimeoutMs: positive(options.closeTimeoutMs, 'closeTimeoutMs', 5000),
  }
}

/** The write errors of a `MongoBulkWriteError` (one or many), or undefined for any other error. */
function writeErrorsOf(error: unknown): Array<{ code?: number }> | undefined {
  const list = (error as { writeErrors?: unknown } | null)?.writeErrors
  if (Array.isArray(list)) return list.length ? list : undefined
  return list && typeof list === 'object' ? [list as { code?: number }] : undefined
}

/**
 * MongoDB is unreachable or stepping down: worth keeping the records and trying again. The driver wraps such a failure
 * of `insertMany` in a `MongoBulkWriteError` with no write errors, the real one as its `errorResponse` / `cause`.
 */
function isTransient(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false
  const { name = '', hasErrorLabel, errorResponse, cause } = error as Error & { hasErrorLabel?: (label: string) => boolean; errorResponse?: unknown }
  if (/MongoNetwork|MongoServerSelection|MongoNotConnected|MongoPoolCleared/.test(name)) return true
  if (typeof hasErrorLabel === 'function' && (hasErrorLabel.call(error, 'RetryableWriteError') || hasErrorLabel.call(error, 'ResetPool'))) return true
  return isTransient(errorResponse, depth + 1) || isTransient(cause, depth + 1)
}

class MongoLogSink implements MongoSink {
  readonly name = 'mongo' as const
  private queue: Document[] = []
  private inFlight: Promise<void> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private backingOff = false
  private failures = 0
  private indexes: Promise<void> | undefined
  private closed = false
  private closing: Promise<void> | undefined
  private readonly counts = { written: 0, dropped: 0, failed: 0 }
  private writing = 0
  private readonly report: (error: unknown) => void
  private readonly collection: Collection

  constructor(
    private readonly db: Db,
    private readonly settings: Settings,
    onError: ((error: unknown) => void) | undefined,
  ) {
    this.collection = db.collection(settings.collection)
    this.report = (error) => {
      try {
        ;(onError ?? ((e: unknown) => warnSinkError(e, this)))(error)
      } catch {
        // The error hook's own failure must not reach the invocation.
      }
    }
  }

  write(record: InvocationLog): void {
    if (this.closed) return this.drop(1, 'the sink is closed')
    if (this.queue.length >= this.settings.maxQueue) return this.drop(1, `the queue is full (maxQueue ${this.settings.maxQueue}): is MongoDB reachable?`)
    // A copy: the driver adds `_id` to what it inserts, and other sinks share the record.
    this.queue.push({ ...record })
    if (this.queue.length >= this.settings.batchSize) this.kick()
    else this.schedule(this.settings.flushMs)
  }

  async queryLogs(query?: LogQuery): Promise<InvocationLog[]> {
    const { filter, limit } = logFilter(query)
    const documents = await this.collection.find(filter, { projection: { _id: 0 } }).sort({ startedAt: -1 }).limit(limit).toArray()
    return documents as unknown as InvocationLog[]
  }

  async flush(): Promise<void> {
    await this.inFlight
    this.backingOff = false
    this.kick()
    await this.inFlight
  }

  stats(): MongoSinkStats {
    return { ...this.counts, queued: this.queue.length, writing: this.writing }
  }

  close(): Promise<void> {
    this.closed = true
    this.closing ??= (async () => {
      // With MongoDB down, one attempt lasts the driver's serverSelectionTimeoutMS (30 s by default): a shutdown must not.
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.closeTimeoutMs)))
      await Promise.race([this.flush(), timeout])
      clearTimeout(timer)
      this.clearTimer()
      const left = this.queue.length
      this.queue = []
      if (left) this.drop(left, 'MongoDB was unreachable when the sink closed')
    })()
    return this.closing
  }

  private drop(count: number, reason: string): void {
    this.counts.dropped += count
    this.report(new RuntimeError('LOG_QUEUE_FULL', `mongoSink dropped ${count} record(s): ${reason} (${this.counts.dropped} dropped so far)`))
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(ms: number): void {
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.backingOff = false
      this.kick()
    }, ms)
    this.timer.unref?.()
  }

  /** Starts writing unless a write is in flight or we are waiting out a failure. Never throws. */
  private kick(): void {
    if (this.inFlight || this.backingOff || this.queue.length === 0) return
    this.clearTimer()
    this.inFlight = this.drain().finally(() => {
      this.inFlight = undefined
      if (this.queue.length && !this.backingOff) this.schedule(this.settings.flushMs)
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.backingOff) {
      const batch = this.queue.splice(0, this.settings.batchSize)
      await this.insert(batch)
    }
  }

  private async insert(batch: Document[]): Promise<void> {
    this.writing = batch.length
    try {
      await this.ensureIndexes()
      // Unordered: one refused record does not stop the others.
      await this.collection.insertMany(batch, { ordered: false })
      this.counts.written += batch.length
      this.failures = 0
    } catch (error) {
      this.settle(error, batch)
    } finally {
      this.writing = 0
    }
  }

  private settle(error: unknown, batch: Document[]): void {
    const writeErrors = writeErrorsOf(error)
    if (writeErrors) {
      // The rest were inserted. A duplicate key means an earlier attempt of this batch already wrote that record.
      const refused = writeErrors.filter((entry) => entry.code !== DUPLICATE_KEY).length
      this.counts.written += batch.length - refused
      this.counts.failed += refused
      if (refused) this.report(error)
      return
    }
    if (this.closed) {
      // Closing, or closed while this attempt ran (the client may be closed too): nobody will retry it, and the rest
      // of the queue would fail the same way.
      this.backingOff = true
      return this.drop(batch.length, `MongoDB was unreachable when the sink closed (${(error as Error)?.message ?? String(error)})`)
    }
    if (!isTransient(error)) {
      this.counts.failed += batch.length
      this.report(error)
      return
    }
    this.retryLater(batch)
    this.report(error)
  }

  /** MongoDB is unreachable: keep the batch ahead of newer records (within maxQueue) and try again after a pause. */
  private retryLater(batch: Document[]): void {
    this.queue.unshift(...batch)
    const overflow = this.queue.length - this.settings.maxQueue
    if (overflow > 0) {
      this.queue.splice(0, overflow)
      this.drop(overflow, `MongoDB is unreachable and the queue is full (maxQueue ${this.settings.maxQueue})`)
    }
    this.failures++
    this.backingOff = true
    this.clearTimer()
    this.schedule(Math.min(RETRY_BASE_MS * 2 ** (this.failures - 1), RETRY_MAX_MS))
  }

  private ensureIndexes(): Promise<void> {
    this.indexes ??= this.createIndexes().catch((error: unknown) => {
      this.indexes = undefined
      throw error
    })
    return this.indexes
  }

  private async createIndexes(): Promise<void> {
    try {
      await this.ttlIndex()
      await this.collection.createIndex({ requestId: 1 }, { name: 'requestId' })
      await this.collection.createIndex({ functionName: 1, startedAt: -1 }, { name: 'functionName_startedAt' })
    } catch (error) {
      if (isTransient(error)) throw error
      // An index we cannot create must not stop records from being written.
      this.report(error)
    }
  }

  private async ttlIndex(): Promise<void> {
    const expireAfterSeconds = this.settings.ttlSeconds
    try {
      await this.collection.createIndex({ startedAt: 1 }, { name: 'startedAt_ttl', expireAfterSeconds })
    } catch (error) {
      if (!INDEX_OPTIONS_CONFLICT.has((error as { code?: number }).code ?? 0)) throw error
      // ttlDays changed since the index was created: change its expiry in place.
      await this.db.command({ collMod: this.settings.collection, index: { name: 'startedAt_ttl', expireAfterSeconds } })
    }
  }
}
