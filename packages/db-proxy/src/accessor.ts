// Executes a checked request with the official MongoDB driver and answers in LAF's result shapes, as relaxed EJSON.
import type { AddResult, AggregateResult, CountResult, ReadResult, RemoveResult, UpdateResult } from '@scraping-run/cloud/protocol'
import { BSON, type Db, type Document, type Sort } from 'mongodb'
import { DbProxyError } from './errors.js'
import { resolveLimits } from './limits.js'
import type { DbProxyLimits, ParsedRequest } from './types.js'

export interface MongoAccessor {
  readonly db: Db
  /** Runs the request; the result's BSON values are serialized to relaxed EJSON. */
  execute(request: ParsedRequest): Promise<unknown>
}

const ejson = (value: unknown) => BSON.EJSON.serialize(value, { relaxed: true })

export function createMongoAccessor(db: Db, limits: Partial<DbProxyLimits> = {}): MongoAccessor {
  if (!db || typeof (db as Db).collection !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'createMongoAccessor(db) needs a Db from the official mongodb driver (client.db(name))')
  }
  const resolved = resolveLimits(limits)

  async function read(request: ParsedRequest): Promise<ReadResult> {
    const collection = db.collection(request.collection)
    const sort: Sort | undefined = request.order.length ? request.order.map((o): [string, 1 | -1] => [o.field, o.direction === 'desc' ? -1 : 1]) : undefined
    const cursor = collection.find(request.query, {
      limit: request.limit,
      skip: request.offset,
      ...(sort ? { sort } : {}),
      ...(request.projection ? { projection: request.projection } : {}),
    })
    const [list, total] = await Promise.all([
      cursor.toArray(),
      request.count ? collection.countDocuments(request.query) : Promise.resolve(undefined),
    ])
    const result: ReadResult = { list: list.map(ejson) as ReadResult['list'], limit: request.limit, offset: request.offset }
    if (total !== undefined) result.total = total
    return result
  }

  async function add(request: ParsedRequest): Promise<AddResult> {
    const collection = db.collection(request.collection)
    if (Array.isArray(request.data)) {
      const result = await collection.insertMany(request.data as Document[], { ordered: true })
      const ids = request.data.map((_, index) => result.insertedIds[index])
      return { _id: ejson(ids), insertedCount: result.insertedCount }
    }
    const result = await collection.insertOne(request.data as Document)
    return { _id: ejson({ id: result.insertedId }).id, insertedCount: 1 }
  }

  async function update(request: ParsedRequest): Promise<UpdateResult> {
    const collection = db.collection(request.collection)
    const options = { upsert: request.upsert }
    const result = !request.merge
      ? await collection.replaceOne(request.query, request.data as Document, options)
      : request.multi
        ? await collection.updateMany(request.query, request.data as Document, options)
        : await collection.updateOne(request.query, request.data as Document, options)
    return {
      upsert_id: result.upsertedId === null || result.upsertedId === undefined ? null : ejson({ id: result.upsertedId }).id,
      updated: result.modifiedCount,
      matched: result.matchedCount,
    }
  }

  async function remove(request: ParsedRequest): Promise<RemoveResult> {
    const collection = db.collection(request.collection)
    const result = request.multi ? await collection.deleteMany(request.query) : await collection.deleteOne(request.query)
    return { deleted: result.deletedCount }
  }

  async function count(request: ParsedRequest): Promise<CountResult> {
    return { total: await db.collection(request.collection).countDocuments(request.query) }
  }

  async function aggregate(request: ParsedRequest): Promise<AggregateResult> {
    // A final $limit caps what one call can return, whatever the pipeline does.
    const pipeline = [...request.pipeline, { $limit: resolved.maxLimit }]
    const list = await db.collection(request.collection).aggregate(pipeline).toArray()
    return { list: list.map(ejson) as AggregateResult['list'] }
  }

  return {
    db,
    async execute(request) {
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
