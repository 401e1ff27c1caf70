// Executes a checked request with the official MongoDB driver and answers in LAF's result shapes, as relaxed EJSON.
import type { AddResult, AggregateResult, CountResult, ReadResult, RemoveResult, UpdateResult } from '@scraping-run/cloud/protocol'
import { BSON, type Collection, type Db, type Document, type Sort } from 'mongodb'
import { DbProxyError } from './errors.js'
import { lafAddIds, lafRequest } from './laf.js'
import { resolveLimits } from './limits.js'
import type { DbProxyLimits, ParsedRequest } from './types.js'

export interface MongoAccessor {
  readonly db: Db
  /** Runs the request; the result's BSON values are serialized to relaxed EJSON. */
  execute(request: ParsedRequest): Promise<unknown>
}

/**
 * Relaxed EJSON of a driver result. Strings, numbers, arrays, plain objects, ObjectIds and ordinary dates (the bulk of any
 * answer) are converted here directly; everything else goes through `EJSON.serialize`, which round-trips through a JSON
 * string and would otherwise be most of the proxy's overhead on a read.
 */
export function toRelaxedEJSON(value: unknown): any {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0)) ? BSON.EJSON.serialize({ v: value }, { relaxed: true }).v : value
  }
  if (Array.isArray(value)) return value.map(toRelaxedEJSON)
  if (value instanceof Date) {
    const time = value.getTime()
    // Relaxed EJSON uses ISO strings for years 1970-9999 only.
    if (time >= 0 && time < 253402300800000) return { $date: value.toISOString().replace('.000Z', 'Z') }
    return BSON.EJSON.serialize({ v: value }, { relaxed: true }).v
  }
  const bsontype = (value as { _bsontype?: string })._bsontype
  if (bsontype === 'ObjectId') return { $oid: (value as { toHexString(): string }).toHexString() }
  const proto = Object.getPrototypeOf(value)
  if (bsontype !== undefined || (proto !== Object.prototype && proto !== null)) return BSON.EJSON.serialize({ v: value }, { relaxed: true }).v
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = toRelaxedEJSON((value as Record<string, unknown>)[key])
  return out
}

export interface MongoAccessorOptions {
  /** LAF's profile: hex-string `_id`s on add, hex or ObjectId ids match both forms, a multi add's `_id` as LAF shapes it. */
  laf?: boolean
}

export function createMongoAccessor(db: Db, limits: Partial<DbProxyLimits> = {}, options: MongoAccessorOptions = {}): MongoAccessor {
  if (!db || typeof (db as Db).collection !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'createMongoAccessor(db) needs a Db from the official mongodb driver (client.db(name))')
  }
  const resolved = resolveLimits(limits)
  const laf = options.laf === true
  // Sent with every command, so a real MongoDB bounds a slow query or write too (an in-process regex is bounded by regex.ts).
  const bounded = { maxTimeMS: resolved.maxTimeMS }
  // Collection handles are reused: building one per request showed up in the read benchmark.
  const handles = new Map<string, Collection>()
  const collectionOf = (name: string): Collection => {
    let handle = handles.get(name)
    if (!handle) {
      if (handles.size >= 1000) handles.clear()
      handles.set(name, (handle = db.collection(name)))
    }
    return handle
  }

  async function read(request: ParsedRequest): Promise<ReadResult> {
    const collection = collectionOf(request.collection)
    const sort: Sort | undefined = request.order.length ? request.order.map((o): [string, 1 | -1] => [o.field, o.direction === 'desc' ? -1 : 1]) : undefined
    const cursor = collection.find(request.query, {
      ...bounded,
      limit: request.limit,
      skip: request.offset,
      ...(sort ? { sort } : {}),
      ...(request.projection ? { projection: request.projection } : {}),
    })
    const list = await cursor.toArray()
    const total = request.count ? await collection.countDocuments(request.query, bounded) : undefined
    const result: ReadResult = { list: list.map(toRelaxedEJSON) as ReadResult['list'], limit: request.limit, offset: request.offset }
    if (total !== undefined) result.total = total
    return result
  }

  async function add(request: ParsedRequest): Promise<AddResult> {
    const collection = collectionOf(request.collection)
    if (Array.isArray(request.data)) {
      const result = await collection.insertMany(request.data as Document[], { ...bounded, ordered: true })
      const ids = request.data.map((_, index) => result.insertedIds[index])
      return { _id: laf ? lafAddIds(toRelaxedEJSON(ids)) : toRelaxedEJSON(ids), insertedCount: result.insertedCount }
    }
    const result = await collection.insertOne(request.data as Document, bounded)
    return { _id: toRelaxedEJSON(result.insertedId), insertedCount: 1 }
  }

  async function update(request: ParsedRequest): Promise<UpdateResult> {
    const collection = collectionOf(request.collection)
    const options = { ...bounded, upsert: request.upsert }
    const result = !request.merge
      ? await collection.replaceOne(request.query, request.data as Document, options)
      : request.multi
        ? await collection.updateMany(request.query, request.data as Document, options)
        : await collection.updateOne(request.query, request.data as Document, options)
    return {
      upsert_id: result.upsertedId === null || result.upsertedId === undefined ? null : toRelaxedEJSON(result.upsertedId),
      updated: result.modifiedCount,
      matched: result.matchedCount,
    }
  }

  async function remove(request: ParsedRequest): Promise<RemoveResult> {
    const collection = collectionOf(request.collection)
    const result = request.multi ? await collection.deleteMany(request.query, bounded) : await collection.deleteOne(request.query, bounded)
    return { deleted: result.deletedCount }
  }

  async function count(request: ParsedRequest): Promise<CountResult> {
    return { total: await collectionOf(request.collection).countDocuments(request.query, bounded) }
  }

  async function aggregate(request: ParsedRequest): Promise<AggregateResult> {
    // A final $limit caps what one call can return, whatever the pipeline does.
    const pipeline = [...request.pipeline, { $limit: resolved.maxLimit }]
    const list = await collectionOf(request.collection).aggregate(pipeline, bounded).toArray()
    return { list: list.map(toRelaxedEJSON) as AggregateResult['list'] }
  }

  return {
    db,
    async execute(parsed) {
      const request = laf ? lafRequest(parsed) : parsed
      try {
        switch (request.permission) {
          case 'read':
            return await read(request)
          case 'add':
            return await add(request)
          case 'update':
            return await update(request)
          case 'remove':
            return await remove(request)
          case 'count':
            return await count(request)
          case 'aggregate':
            return await aggregate(request)
        }
      } catch (error) {
        throw new DbProxyError('DATABASE_ERROR', `the database refused the ${request.permission}: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        })
      }
    },
  }
}
