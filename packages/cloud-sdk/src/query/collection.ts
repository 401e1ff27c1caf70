import { CloudError } from '../errors.js'
import { DB_ACTIONS, toEJSON } from '../protocol.js'
import { Aggregation } from './aggregate.js'
import { assertNoCommands, isPlainObject } from './encode.js'
import { Query, send } from './query.js'
import type { AddRes, DbTransport, GetOneRes, Projection, RemoveRes, UpdateRes } from './types.js'

/** `db.collection(name)`: a query over the whole collection, plus add, doc and aggregate. */
export class CollectionReference<T = Record<string, unknown>> extends Query<T> {
  /** @internal Use `db.collection(name)`. */
  constructor(transport: DbTransport, name: string) {
    super(transport, name)
  }

  get name(): string {
    return this.collectionName
  }

  /** A reference to the document with this `_id`. */
  doc(id: unknown): DocumentReference<T> {
    if (id === undefined || id === null || id === '') throw new CloudError('INVALID_ARGUMENT', 'doc(id) needs an id')
    return new DocumentReference<T>(this.transport, this.collectionName, id)
  }

  /** Inserts one document or an array of them. A given `_id` is kept; otherwise the server makes an ObjectId. */
  async add(data: Partial<T> | Partial<T>[] | Record<string, unknown> | Record<string, unknown>[]): Promise<AddRes> {
    const many = Array.isArray(data)
    const docs = many ? (data as unknown[]) : [data]
    if (docs.length === 0) throw new CloudError('INVALID_ARGUMENT', 'add(docs) needs at least one document')
    for (const doc of docs) {
      if (!isPlainObject(doc) || Object.keys(doc).length === 0) throw new CloudError('INVALID_ARGUMENT', 'add(data) expects non-empty objects')
      assertNoCommands(doc, 'a new document')
    }
    const response = await send(this.transport, {
      action: DB_ACTIONS.add,
      collectionName: this.collectionName,
      data: toEJSON(many ? docs : docs[0]),
      multi: many,
    })
    if (response.code !== 0) {
      return { ok: false, code: response.code, error: 'error' in response ? response.error : undefined, id: undefined, ids: [], insertedCount: undefined }
    }
    const result = (response as { data: { _id: unknown; insertedCount: number } }).data
    // A LAF-profile proxy answers a multi add with `_id` as {0: id, 1: id, …}.
    const ids = Array.isArray(result._id) ? result._id : isIndexMap(result._id) ? Object.values(result._id) : [result._id]
    return { ok: true, id: result._id, ids, insertedCount: result.insertedCount }
  }

  /** An aggregation pipeline; finish with `.end()`. */
  aggregate<R = Record<string, unknown>>(pipeline: Record<string, unknown>[] = []): Aggregation<R> {
    return new Aggregation<R>(this.transport, this.collectionName, pipeline)
  }
}

/** `collection.doc(id)`: get, update, set (replace or create) and remove one document by `_id`. */
export class DocumentReference<T = Record<string, unknown>> {
  readonly id: unknown
  private readonly query: Query<T>

  /** @internal Use `collection.doc(id)`. */
  constructor(transport: DbTransport, collectionName: string, id: unknown, query?: Query<T>) {
    this.id = id
    this.query = query ?? new Query<T>(transport, collectionName).where({ _id: id })
  }

  field(spec: Projection): DocumentReference<T> {
    return new DocumentReference<T>(undefined as never, this.query.collectionName, this.id, this.query.field(spec))
  }

  get(): Promise<GetOneRes<T>> {
    return this.query.getOne()
  }

  /** Merges fields and update operators into the document. */
  update(data: Record<string, unknown>): Promise<UpdateRes> {
    return this.query.update(data, { merge: true, multi: false, upsert: false })
  }

  /** Replaces the document, or creates it with this `_id`. */
  set(data: Record<string, unknown>): Promise<UpdateRes> {
    return this.query.update(data, { merge: false, multi: false, upsert: true })
  }

  remove(): Promise<RemoveRes> {
    return this.query.remove({ multi: false })
  }
}

function isIndexMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((key, index) => key === String(index))
}
