// Durability for `dbPath`: every commit is appended to a journal (one BSON document per commit, so a transaction is all or
// nothing) before the client gets its reply; the journal is folded into a snapshot when it grows and at stop.
// The journal is written with write(2) at once (survives a crash of this process) and fsync'ed at most every second
// and at stop (survives a crash of the machine, minus that last second).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, ftruncateSync } from 'node:fs'
import { join } from 'node:path'
import { BSON, type Document, UUID } from 'bson'
import { type CollectionState, rebuildIndexes, type IndexSpec, type Mutation, applyMutation, newCollection } from '../engine/store.js'
import { valueKey } from '../engine/values.js'
import type { Engine } from '../engine/workspace.js'
import { MongoEmbeddedError } from '../errors.js'
import { DESERIALIZE } from '../wire/codec.js'

export interface Persistence {
  close(): Promise<void>
}

const FORMAT = 'scraping-run-mongo-embedded'
const SNAPSHOT = 'snapshot.bson'
const JOURNAL = 'journal.bson'
/** Journal size that triggers a new snapshot. */
const COMPACT_BYTES = 64 * 1024 * 1024
const SYNC_INTERVAL_MS = 1000

/** Reads a file of concatenated BSON documents; a torn last document (a crash mid-write) ends the list. */
function readDocuments(file: string): { documents: Document[]; validBytes: number } {
  if (!existsSync(file)) return { documents: [], validBytes: 0 }
  const data = readFileSync(file)
  const documents: Document[] = []
  let offset = 0
  while (offset + 4 <= data.length) {
    const size = data.readInt32LE(offset)
    if (size < 5 || offset + size > data.length) break
    try {
      documents.push(BSON.deserialize(data.subarray(offset, offset + size), DESERIALIZE))
    } catch {
      break
    }
    offset += size
  }
  return { documents, validBytes: offset }
}

function encodeMutation(mutation: Mutation): Document {
  switch (mutation.op) {
    case 'put':
      return { op: 'put', db: mutation.db, coll: mutation.coll, doc: mutation.doc }
    case 'delete':
      return { op: 'delete', db: mutation.db, coll: mutation.coll, id: mutation.before._id }
    default:
      return { ...mutation }
  }
}

function decodeMutation(entry: Document): Mutation {
  if (entry.op === 'delete') return { op: 'delete', db: entry.db, coll: entry.coll, key: valueKey(entry.id), before: { _id: entry.id } }
  if (entry.op === 'put') return { op: 'put', db: entry.db, coll: entry.coll, doc: entry.doc, kind: 'insert' }
  return entry as Mutation
}

function loadSnapshot(engine: Engine, file: string) {
  if (!existsSync(file)) return
  const { documents, validBytes } = readDocuments(file)
  // Snapshots are replaced atomically (rename), so a partial one is damage, not an interrupted write.
  if (validBytes !== statSync(file).size) throw new Error(`${file} is damaged (readable up to byte ${validBytes})`)
  if (documents.length === 0) return
  if (documents[0]!.format !== FORMAT) throw new Error(`${file} is not a ${FORMAT} snapshot`)
  const loaded = new Set<CollectionState>()
  for (const entry of documents.slice(1)) {
    if (entry.collection) {
      const info = entry.collection as Document
      let collections = engine.catalog.get(info.db)
      if (!collections) engine.catalog.set(info.db, (collections = new Map()))
      // A large collection spans several entries (each under 16 MiB): they add to one collection.
      let state = collections.get(info.name)
      if (!state) collections.set(info.name, (state = newCollection(info.db, info.name, info.options ?? {}, (info.uuid as UUID | undefined) ?? new UUID())))
      for (const document of (entry.docs as Document[]) ?? []) state.docs.set(valueKey(document._id), document)
      state.indexes = info.indexes as IndexSpec[]
      loaded.add(state)
    }
  }
  for (const state of loaded) rebuildIndexes(state)
}

function writeSnapshot(engine: Engine, dir: string) {
  const temporary = join(dir, `${SNAPSHOT}.tmp`)
  const fd = openSync(temporary, 'w')
  try {
    writeSync(fd, BSON.serialize({ format: FORMAT, version: 1, writtenAt: new Date() }))
    for (const collections of engine.catalog.values()) {
      for (const state of collections.values()) {
        const info = { db: state.db, name: state.name, uuid: state.uuid, options: state.options, indexes: state.indexes }
        // Chunks keep each BSON document under the 16 MiB limit.
        let chunk: Document[] = []
        let bytes = 0
        const flush = (force: boolean) => {
          if (!force && chunk.length === 0) return
          writeSync(fd, BSON.serialize({ collection: info, docs: chunk }))
          chunk = []
          bytes = 0
        }
        flush(true)
        for (const document of state.docs.values()) {
          const size = BSON.calculateObjectSize(document)
          if (bytes + size > 8 * 1024 * 1024) flush(false)
          chunk.push(document)
          bytes += size
        }
        flush(false)
      }
    }
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, join(dir, SNAPSHOT))
}

export async function openPersistence(dir: string, engine: Engine): Promise<Persistence> {
  const journalPath = join(dir, JOURNAL)
  let fd: number
  try {
    mkdirSync(dir, { recursive: true })
    loadSnapshot(engine, join(dir, SNAPSHOT))
    const { documents, validBytes } = readDocuments(journalPath)
    for (const entry of documents) for (const mutation of (entry.m as Document[]) ?? []) applyMutation(engine.catalog, decodeMutation(mutation))
    fd = openSync(journalPath, existsSync(journalPath) ? 'r+' : 'w+')
    // Drop a torn tail so new entries follow the last complete one.
    ftruncateSync(fd, validBytes)
  } catch (error) {
    throw new MongoEmbeddedError('PERSISTENCE_FAILED', `cannot open the data in ${dir}: ${(error as Error).message}`, { cause: error })
  }
  let position = statSync(journalPath).size
  let dirty = false
  let failed: Error | undefined

  const compact = () => {
    writeSnapshot(engine, dir)
    ftruncateSync(fd, 0)
    position = 0
  }

  engine.onCommit((mutations) => {
    const data = BSON.serialize({ m: mutations.map(encodeMutation) })
    try {
      position += writeSync(fd, data, 0, data.length, position)
      dirty = true
      if (position > COMPACT_BYTES) compact()
    } catch (error) {
      // A full disk must not take the server down; the next start reports what is missing via the torn journal.
      failed ??= error as Error
      process.emitWarning(`mongo-embedded: cannot write the journal in ${dir}: ${(error as Error).message}`)
    }
  })

  const timer = setInterval(() => {
    if (!dirty) return
    dirty = false
    try {
      fsyncSync(fd)
    } catch {
      // Reported by the write path; nothing more to do here.
    }
  }, SYNC_INTERVAL_MS)
  timer.unref()

  return {
    async close() {
      clearInterval(timer)
      try {
        compact()
      } finally {
        closeSync(fd)
      }
    },
  }
}
