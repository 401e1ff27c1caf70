// Open cursors: what remains of a result, served in batches by getMore. Change-stream cursors pull from a source instead.
import { BSON, type Document, Long } from 'bson'
import { MAX_BSON_OBJECT_SIZE } from '../wire/codec.js'
import { CommandError } from './errors.js'
import { toNumber } from './values.js'

export interface PullSource {
  /** Next documents, waiting up to `waitMs` for the first one. */
  next(max: number, waitMs: number): Promise<Document[]>
  /** Extra fields of each reply (e.g. postBatchResumeToken). */
  extra(): Document
  close(): void
}

interface OpenCursor {
  id: Long
  ns: string
  documents?: Document[]
  position: number
  source?: PullSource
  session?: string
  lastUsed: number
}

// Replies stay well under the 48 MB message limit; one document may be up to 16 MiB.
const BATCH_BYTES = MAX_BSON_OBJECT_SIZE

export function batchSize(value: unknown, fallback: number): number {
  const size = toNumber(value)
  return size === undefined || size <= 0 ? fallback : size
}

export class Cursors {
  private readonly open = new Map<string, OpenCursor>()
  private nextId = BigInt(Date.now()) * 1000n

  private take(cursor: OpenCursor, max: number): Document[] {
    const batch: Document[] = []
    let bytes = 0
    const documents = cursor.documents!
    while (cursor.position < documents.length && batch.length < max) {
      const document = documents[cursor.position]!
      const size = batch.length ? BSON.calculateObjectSize(document) : 0
      if (batch.length && bytes + size > BATCH_BYTES) break
      bytes += size
      batch.push(document)
      cursor.position++
    }
    return batch
  }

  private register(cursor: Omit<OpenCursor, 'id' | 'lastUsed'>): OpenCursor {
    const id = Long.fromBigInt(++this.nextId)
    const open = { ...cursor, id, lastUsed: Date.now() }
    this.open.set(id.toString(), open)
    return open
  }

  /** The `cursor` reply of find/aggregate/listX: the first batch, and a cursor id when more remain. */
  first(ns: string, documents: Document[], options: { batchSize?: unknown; singleBatch?: boolean; session?: string } = {}): Document {
    const cursor: OpenCursor = { id: Long.ZERO, ns, documents, position: 0, session: options.session, lastUsed: Date.now() }
    const firstBatch = this.take(cursor, batchSize(options.batchSize, 101))
    let id = Long.ZERO
    if (!options.singleBatch && cursor.position < documents.length) id = this.register(cursor).id
    return { cursor: { firstBatch, id, ns }, ok: 1 }
  }

  /** A cursor fed by a source (change streams): always open, even when empty. */
  pulling(ns: string, source: PullSource, session?: string, firstBatch: Document[] = []): Document {
    const cursor = this.register({ ns, source, position: 0, session })
    return { cursor: { firstBatch, id: cursor.id, ns, ...source.extra() }, ok: 1 }
  }

  async getMore(id: Long, ns: string, command: Document): Promise<Document> {
    const cursor = this.open.get(id.toString())
    if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id.toString()} not found`)
    if (cursor.ns !== ns) throw new CommandError(13, 'Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`)
    cursor.lastUsed = Date.now()
    if (cursor.source) {
      const wait = toNumber(command.maxTimeMS) ?? 1000
      const nextBatch = await cursor.source.next(batchSize(command.batchSize, 1000), Math.min(wait, 60_000))
      // Killed while we waited: fail like MongoDB (CursorKilled is resumable, so the driver reopens the stream).
      if (!this.open.has(id.toString())) throw new CommandError(237, 'CursorKilled', `cursor id ${id.toString()} was killed`)
      return { cursor: { nextBatch, id: cursor.id, ns, ...cursor.source.extra() }, ok: 1 }
    }
    const nextBatch = this.take(cursor, batchSize(command.batchSize, Infinity))
    const done = cursor.position >= cursor.documents!.length
    if (done) this.open.delete(id.toString())
    return { cursor: { nextBatch, id: done ? Long.ZERO : cursor.id, ns }, ok: 1 }
  }

  kill(ids: Long[]): Document {
    const killed: Long[] = []
    const notFound: Long[] = []
    for (const id of ids) {
      const cursor = this.open.get(id.toString())
      if (cursor) {
        cursor.source?.close()
        this.open.delete(id.toString())
        killed.push(id)
      } else notFound.push(id)
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 }
  }

  killSession(session: string) {
    this.kill([...this.open.values()].filter((cursor) => cursor.session === session).map((cursor) => cursor.id))
  }

  closeAll() {
    this.kill([...this.open.values()].map((cursor) => cursor.id))
  }

  /** Drops cursors idle for longer than MongoDB's default 10 minutes. */
  reap(idleMs = 10 * 60_000) {
    const now = Date.now()
    this.kill([...this.open.values()].filter((cursor) => now - cursor.lastUsed > idleMs).map((cursor) => cursor.id))
  }
}
