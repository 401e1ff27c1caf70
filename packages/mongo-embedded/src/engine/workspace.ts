// What a command reads and writes through: the live data, or a transaction's snapshot of it.
import { type Document, Timestamp } from 'bson'
import { CommandError, writeConflict } from './errors.js'
import { applyMutation, type Catalog, type CollectionState, cloneCollection, docKey, type Mutation } from './store.js'

export interface Workspace {
  collection(db: string, name: string): CollectionState | undefined
  collections(db: string): CollectionState[]
  databases(): string[]
  write(mutation: Mutation): void
  readonly inTransaction: boolean
}

export const TRANSACTION_LIFETIME_MS = 60_000

export type CommitListener = (mutations: Mutation[], clusterTime: Timestamp) => void

/** The live data. Every write is applied, logged and published at once. */
export class Engine implements Workspace {
  readonly catalog: Catalog = new Map()
  readonly inTransaction = false
  private readonly listeners: CommitListener[] = []
  private seconds = 0
  private increment = 0
  /** Keys written by open transactions: `ns|key` → transaction id. */
  readonly locks = new Map<string, number>()
  /** Open transactions → when they started, so an abandoned one stops blocking others (MongoDB: 60 s lifetime). */
  readonly transactions = new Map<number, number>()

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener)
  }

  /** A strictly increasing cluster time, as a replica set's oplog would assign. */
  tick(): Timestamp {
    const now = Math.floor(Date.now() / 1000)
    if (now > this.seconds) {
      this.seconds = now
      this.increment = 0
    }
    this.increment++
    return new Timestamp({ t: this.seconds, i: this.increment })
  }

  get clusterTime(): Timestamp {
    return new Timestamp({ t: this.seconds || Math.floor(Date.now() / 1000), i: this.increment })
  }

  collection(db: string, name: string) {
    return this.catalog.get(db)?.get(name)
  }

  collections(db: string) {
    return [...(this.catalog.get(db)?.values() ?? [])]
  }

  databases() {
    return [...this.catalog.keys()]
  }

  write(mutation: Mutation) {
    this.commit([mutation])
  }

  commit(mutations: Mutation[]) {
    if (mutations.length === 0) return
    for (const mutation of mutations) applyMutation(this.catalog, mutation)
    const time = this.tick()
    for (const listener of this.listeners) listener(mutations, time)
  }
}

/**
 * A transaction: collections are copied on first touch (documents are immutable, so the copy is of maps only) and writes go
 * to the copies. A key written by another open transaction, or changed since the snapshot, is a WriteConflict.
 */
export class TransactionWorkspace implements Workspace {
  readonly inTransaction = true
  readonly mutations: Mutation[] = []
  private readonly copies: Catalog = new Map()
  private readonly snapshots = new Map<string, Map<string, Document>>()
  private readonly dropped = new Set<string>()
  private readonly held = new Set<string>()

  constructor(
    private readonly engine: Engine,
    readonly id: number,
  ) {
    engine.transactions.set(id, Date.now())
  }

  collection(db: string, name: string) {
    const ns = `${db}.${name}`
    if (this.dropped.has(ns)) return undefined
    const copy = this.copies.get(db)?.get(name)
    if (copy) return copy
    const live = this.engine.collection(db, name)
    if (!live) return undefined
    const cloned = cloneCollection(live)
    this.snapshots.set(ns, new Map(live.docs))
    let collections = this.copies.get(db)
    if (!collections) this.copies.set(db, (collections = new Map()))
    collections.set(name, cloned)
    return cloned
  }

  collections(db: string) {
    const names = new Set([...(this.engine.catalog.get(db)?.keys() ?? []), ...(this.copies.get(db)?.keys() ?? [])])
    return [...names].map((name) => this.collection(db, name)).filter((state): state is CollectionState => !!state)
  }

  databases() {
    return [...new Set([...this.engine.databases(), ...this.copies.keys()])]
  }

  write(mutation: Mutation) {
    if (mutation.op === 'put' || mutation.op === 'delete') {
      this.collection(mutation.db, mutation.coll)
      const key = mutation.op === 'put' ? docKey(mutation.doc) : mutation.key
      const lock = `${mutation.db}.${mutation.coll}|${key}`
      const owner = this.engine.locks.get(lock)
      if (owner !== undefined && owner !== this.id && !this.expired(owner)) throw writeConflict()
      const snapshot = this.snapshots.get(`${mutation.db}.${mutation.coll}`)
      const live = this.engine.collection(mutation.db, mutation.coll)
      if (snapshot && snapshot.get(key) !== live?.docs.get(key)) throw writeConflict()
      this.engine.locks.set(lock, this.id)
      this.held.add(lock)
    }
    if (mutation.op === 'drop') this.dropped.add(`${mutation.db}.${mutation.coll}`)
    if (mutation.op === 'create') this.dropped.delete(`${mutation.db}.${mutation.coll}`)
    applyMutation(this.copies, mutation)
    this.mutations.push(mutation)
  }

  /** Publishes the writes, unless a write outside the transaction changed one of the same documents meanwhile. */
  commit() {
    try {
      if (this.expired(this.id)) {
        throw new CommandError(251, 'NoSuchTransaction', `Transaction ${this.id} has been aborted because it exceeded the transaction lifetime limit`, {}, ['TransientTransactionError'])
      }
      for (const mutation of this.mutations) {
        if (mutation.op !== 'put' && mutation.op !== 'delete') continue
        const key = mutation.op === 'put' ? docKey(mutation.doc) : mutation.key
        const snapshot = this.snapshots.get(`${mutation.db}.${mutation.coll}`)
        const live = this.engine.collection(mutation.db, mutation.coll)
        if (snapshot && snapshot.get(key) !== live?.docs.get(key)) throw writeConflict()
      }
      this.engine.commit(this.mutations)
    } finally {
      this.release()
    }
  }

  release() {
    for (const lock of this.held) if (this.engine.locks.get(lock) === this.id) this.engine.locks.delete(lock)
    this.held.clear()
    this.engine.transactions.delete(this.id)
  }

  /** A transaction older than MongoDB's transactionLifetimeLimitSeconds no longer holds its documents. */
  private expired(owner: number): boolean {
    const started = this.engine.transactions.get(owner)
    return started === undefined || Date.now() - started > TRANSACTION_LIFETIME_MS
  }
}
