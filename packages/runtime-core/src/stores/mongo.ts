import type { ChangeStream, ChangeStreamDocument, Collection, Db, Document } from 'mongodb'
import { RuntimeError } from '../errors.js'
import { assertFunctionName } from '../names.js'
import type { FunctionRecord, FunctionStore } from '../types.js'
import { assertPackagesInstalled } from '../deploy/check.js'
import { createListeners } from './emitter.js'
import { toRecord } from './record.js'
import { lafDocumentRecord } from './mongo-laf.js'

export interface MongoStoreOptions {
  /** The database (a `Db` of the official `mongodb` driver). */
  db: Db
  /** Default `__functions__`. */
  collection?: string
  /** Which environment's functions this store serves. Default `dev`. */
  environment?: string
  /**
   * Where this host's npm packages are (the sandbox's `modulesRoot`; default `process.cwd()`). A function whose recorded
   * `packages` are not all installed there is answered with `MISSING_MODULE` naming the package.
   */
  modulesRoot?: string
  /**
   * Read a LAF app's `__functions__` as LAF wrote it (`{name, source: {code}, desc, methods}`, no environment field: the
   * whole collection is the one environment). Default false.
   */
  laf?: boolean
}

export interface MongoStore extends FunctionStore {
  readonly environment: string
  /** Resolves once the change stream is open and the baseline is read (after the first `watch`). */
  ready(): Promise<void>
  /** Closes the change stream (the `Db`'s client is the host's and stays open). */
  close(): Promise<void>
}

/** The fields of a live function document that make up its record (the registry adds version, packages, …). */
export interface FunctionDocument {
  _id: string
  schemaVersion: number
  environment: string
  name: string
  source: string
  language?: 'ts' | 'js'
  methods?: string[]
  description?: string
  inputSchema?: Record<string, unknown>
  timeoutMs?: number
  cpuTimeMs?: number
  [key: string]: unknown
}

const ENVIRONMENT = /^[a-z0-9][a-z0-9_-]{0,63}$/
export const DEFAULT_FUNCTIONS_COLLECTION = '__functions__'
// Codes after which a resume token is useless: ChangeStreamHistoryLost, ChangeStreamFatalError, InvalidResumeToken (260).
const TOKEN_LOST = new Set([286, 280, 260])

/** Throws BAD_REQUEST unless `environment` is a short lower-case name (`dev`, `staging`, `prod`, `eu-prod`). */
export function assertEnvironment(environment: unknown): asserts environment is string {
  if (typeof environment !== 'string' || !ENVIRONMENT.test(environment)) {
    throw new RuntimeError('BAD_REQUEST', `invalid environment ${JSON.stringify(environment)}: use [a-z0-9_-], at most 64 characters`)
  }
}

/** The `_id` of a live function document: one document per environment and name. */
export function functionDocumentId(environment: string, name: string): string {
  return `${environment}:${name}`
}

/** The record a live document stands for, or undefined when it is not a valid function. */
export function documentRecord(doc: Document | null | undefined): FunctionRecord | undefined {
  // A removed function leaves a tombstone (`removed: true`) that keeps its version count.
  if (!doc || doc.removed === true || typeof doc.name !== 'string' || typeof doc.source !== 'string') return undefined
  try {
    return toRecord({
      name: doc.name,
      source: doc.source,
      language: doc.language ?? undefined,
      methods: Array.isArray(doc.methods) ? doc.methods : undefined,
      description: doc.description ?? undefined,
      inputSchema: doc.inputSchema ?? undefined,
      timeoutMs: typeof doc.timeoutMs === 'number' ? doc.timeoutMs : undefined,
      cpuTimeMs: typeof doc.cpuTimeMs === 'number' ? doc.cpuTimeMs : undefined,
      schedule: typeof doc.schedule === 'string' ? doc.schedule : undefined,
      timezone: typeof doc.timezone === 'string' ? doc.timezone : undefined,
      title: typeof doc.title === 'string' ? doc.title : undefined,
      annotations: doc.annotations ?? undefined,
      outputSchema: doc.outputSchema ?? undefined,
    })
  } catch {
    return undefined
  }
}

/**
 * Functions of one environment from a MongoDB collection, hot-reloaded through a change stream. A dropped connection or
 * a restarted server resumes from the last resume token; when the server no longer has it, the store re-lists and
 * reports exactly what differs.
 */
export function mongoStore(options: MongoStoreOptions): MongoStore {
  if (!options?.db || typeof options.db.collection !== 'function') throw new RuntimeError('BAD_REQUEST', 'mongoStore needs {db}: a Db of the mongodb driver')
  const environment = options.environment ?? 'dev'
  assertEnvironment(environment)
  const collection: Collection<Document> = options.db.collection(options.collection ?? DEFAULT_FUNCTIONS_COLLECTION)
  const layout: Layout = options.laf === true ? { filter: {}, record: lafDocumentRecord, owns: () => true } : ownLayout(environment)
  const listeners = createListeners()
  // The record a change event carried, handed to the next get() of that name: the executor asks right after the
  // eviction, and this saves it a round trip.
  const fresh = new Map<string, { record: FunctionRecord; packages: unknown }>()
  const follower = createFollower(options.db, collection, layout, (event, doc) => {
    if (event.type === 'set' && doc) {
      const record = layout.record(doc)
      if (record) fresh.set(event.name, { record, packages: doc.packages })
    } else fresh.delete(event.name)
    listeners.emit(event)
  })
  let subscribers = 0

  async function list(): Promise<FunctionRecord[]> {
    const docs = await collection.find({ ...layout.filter, removed: { $ne: true } }).sort({ name: 1 }).toArray()
    return docs.map(layout.record).filter((record): record is FunctionRecord => record !== undefined)
  }

  return {
    environment,
    list,
    async get(name) {
      assertFunctionName(name)
      const prefetched = fresh.get(name)
      fresh.delete(name)
      const doc = prefetched ? undefined : await collection.findOne({ ...layout.filter, name })
      const record = prefetched ? { ...prefetched.record } : layout.record(doc)
      const packages = prefetched ? prefetched.packages : doc?.packages
      if (record && Array.isArray(packages)) assertPackagesInstalled(name, packages, options.modulesRoot ?? process.cwd())
      return record
    },
    watch(listener) {
      const remove = listeners.add(listener)
      if (subscribers++ === 0) follower.start()
      let active = true
      return () => {
        if (!active) return
        active = false
        remove()
        if (--subscribers === 0) void follower.stop()
      }
    },
    ready: () => follower.ready(),
    async close() {
      listeners.clear()
      fresh.clear()
      subscribers = 0
      await follower.stop()
    },
  }
}

/** How documents map to functions: ours (one environment of the collection) or LAF's (the whole collection). */
interface Layout {
  filter: Document
  record(doc: Document | null | undefined): FunctionRecord | undefined
  owns(doc: Document): boolean
}

function ownLayout(environment: string): Layout {
  return { filter: { environment }, record: documentRecord, owns: (doc) => doc.environment === environment }
}

type Emit = (event: { type: 'set'; name: string; hash: string } | { type: 'delete'; name: string }, doc?: Document) => void

/** Follows the change stream while someone listens: keeps `_id → {name, hash}` so deletes and re-lists emit exact events. */
function createFollower(db: Db, collection: Collection<Document>, layout: Layout, emit: Emit) {
  const known = new Map<string, { name: string; hash: string }>()
  let stream: ChangeStream | undefined
  let running = false
  // Each start() is a new generation: a loop of an earlier one (still winding down after stop()) exits.
  let generation = 0
  let loop: Promise<void> | undefined
  let token: unknown
  let baseline: Promise<void> = Promise.resolve()
  let markReady: () => void = () => undefined
  let readyPromise: Promise<void> = Promise.resolve()

  function apply(id: string, record: FunctionRecord | undefined, doc?: Document): void {
    const previous = known.get(id)
    if (record) {
      if (previous?.hash === record.hash) return
      if (previous && previous.name !== record.name) emit({ type: 'delete', name: previous.name })
      known.set(id, { name: record.name, hash: record.hash })
      emit({ type: 'set', name: record.name, hash: record.hash }, doc)
    } else if (previous) {
      known.delete(id)
      emit({ type: 'delete', name: previous.name })
    }
  }

  function onChange(change: ChangeStreamDocument<Document>): void {
    if (change.operationType === 'insert' || change.operationType === 'update' || change.operationType === 'replace') {
      const doc = change.fullDocument
      const id = String(change.documentKey._id)
      // An update read after a later delete has no full document; a document moved to another environment leaves this one.
      apply(id, doc && layout.owns(doc) ? layout.record(doc) : undefined, doc ?? undefined)
    } else if (change.operationType === 'delete') {
      apply(String(change.documentKey._id), undefined)
    } else {
      // drop, rename, dropDatabase, invalidate: the collection as a whole changed.
      resync().catch(() => undefined)
    }
  }

  /** Reads the environment again and emits what differs from what listeners were last told. Rejects when the read failed. */
  function resync(): Promise<void> {
    baseline = baseline.then(async () => {
      const docs = await collection.find(layout.filter).toArray()
      const seen = new Set<string>()
      for (const doc of docs) {
        const id = String(doc._id)
        const record = layout.record(doc)
        if (!record) continue
        seen.add(id)
        apply(id, record, doc)
      }
      for (const id of [...known.keys()]) if (!seen.has(id)) apply(id, undefined)
    })
    const done = baseline
    // The chain goes on after a failed read; the caller sees the failure (and retries with a new stream).
    baseline = baseline.catch(() => undefined)
    return done
  }

  let needResync = false
  // After the connection was lost, reopen the stream (from the last token) and re-list once it is back: the function
  // store only needs the current state, and a restarted server may honour an old token while it misses events
  // (the embedded server's tokens restart with it).
  let lost = false
  const onTopology = (event: { newDescription: { type: string } }) => {
    if (event.newDescription.type === 'Unknown') lost = true
    else if (lost) {
      lost = false
      needResync = true
      void stream?.close().catch(() => undefined)
    }
  }

  async function follow(mine: number): Promise<void> {
    const live = () => running && generation === mine
    let delay = 50
    needResync = true
    while (live()) {
      const options: Document = { fullDocument: 'updateLookup' }
      if (token) options.resumeAfter = token
      const current = collection.watch([], options)
      stream = current
      try {
        // Once the aggregate has answered (its first resume token), events are in the stream, so a re-list now misses
        // nothing; the first tryNext also returns then at the latest (after one empty getMore).
        let synced: Promise<void> | undefined
        const sync = () => {
          if (!needResync) return Promise.resolve()
          synced ??= resync().then(() => {
            needResync = false
            markReady()
          })
          return synced
        }
        current.once('resumeTokenChanged', () => void sync().catch(() => undefined))
        let change = await current.tryNext()
        token = current.resumeToken ?? token
        await sync()
        delay = 50
        while (live()) {
          if (change) onChange(change)
          token = current.resumeToken ?? token
          change = await current.tryNext()
        }
      } catch (error) {
        if (!live()) break
        if (TOKEN_LOST.has(Number((error as { code?: unknown }).code))) {
          token = undefined
          needResync = true
        }
        await new Promise((resolve) => setTimeout(resolve, delay).unref?.())
        delay = Math.min(delay * 2, 2000)
      } finally {
        await current.close().catch(() => undefined)
      }
    }
  }

  return {
    start(): void {
      running = true
      known.clear()
      token = undefined
      readyPromise = new Promise<void>((resolve) => (markReady = resolve))
      // The baseline is the first re-list: nothing is emitted for functions that were already there.
      baseline = collection
        .find(layout.filter)
        .toArray()
        .then((docs) => {
          for (const doc of docs) {
            const record = layout.record(doc)
            if (record) known.set(String(doc._id), { name: record.name, hash: record.hash })
          }
        })
        .catch(() => undefined)
      db.client?.on?.('serverDescriptionChanged', onTopology)
      loop = follow(++generation)
    },
    async stop(): Promise<void> {
      running = false
      db.client?.off?.('serverDescriptionChanged', onTopology)
      await stream?.close().catch(() => undefined)
      await loop
      loop = undefined
      markReady()
    },
    ready: () => readyPromise,
  }
}
