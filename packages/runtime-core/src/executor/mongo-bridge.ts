import { ObjectId } from 'bson'
import type { CloudMongo } from '@scraping-run/cloud'
import { RuntimeError } from '../errors.js'

// `cloud.mongo` for a sandbox that shares no objects: the isolate sends a collection method (or a find / aggregate cursor
// with its steps) as data, it runs here on the native driver. Only these names can be called.
const COLLECTION_METHODS = new Set([
  'findOne', 'insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'countDocuments',
  'estimatedDocumentCount', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace', 'distinct', 'bulkWrite',
])
const CURSOR_METHODS = new Set(['find', 'aggregate'])
const CURSOR_STEPS = new Set(['sort', 'limit', 'skip', 'project', 'batchSize', 'maxTimeMS'])
const MAX_DEPTH = 64

/** `{$oid}` (how an ObjectId crosses) back to an ObjectId; everything else as it came (Dates cross as Dates). */
function decode(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value
  if (Array.isArray(value)) return value.map((each) => decode(each, depth + 1))
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  if (keys.length === 1 && keys[0] === '$oid' && typeof record.$oid === 'string') return new ObjectId(record.$oid)
  const out: Record<string, unknown> = {}
  for (const key of keys) out[key] = decode(record[key], depth + 1)
  return out
}

/**
 * Driver values as data a sandbox can take: ObjectIds as `objectId(hex)` decides, other BSON numbers as numbers, Binary as
 * bytes, the remaining BSON types as strings; Dates and bytes stay as they are (structured clone carries them).
 */
export function bsonToData(value: unknown, objectId: (hex: string) => unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value
  if (Array.isArray(value)) return value.map((each) => bsonToData(each, objectId, depth + 1))
  const bsontype = (value as { _bsontype?: string })._bsontype
  if (bsontype === 'ObjectId' || bsontype === 'ObjectID') return objectId((value as ObjectId).toHexString())
  if (bsontype === 'Long' || bsontype === 'Int32' || bsontype === 'Double') return Number(value as never)
  if (bsontype === 'Binary') return new Uint8Array((value as { buffer: Uint8Array }).buffer)
  if (bsontype) return String(value)
  const out: Record<string, unknown> = {}
  for (const [key, each] of Object.entries(value)) out[key] = bsonToData(each, objectId, depth + 1)
  return out
}

// cloud.mongo in a sandbox: ObjectIds cross as {$oid}, and become ObjectId objects there.
const encodeMongo = (value: unknown): unknown => bsonToData(value, ($oid) => ({ $oid }))

function named(set: Set<string>, name: unknown, what: string): string {
  if (typeof name !== 'string' || !set.has(name)) throw new RuntimeError('BAD_REQUEST', `cloud.mongo: ${what} ${JSON.stringify(name)} is not available in this sandbox`)
  return name
}

/** One `cloud.mongo` request from a sandbox; the names and a new ObjectId are answered at once (the sandbox asks synchronously). */
export function mongoOp(mongo: CloudMongo, args: unknown[]): unknown {
  if (args[0] === 'databaseName') return mongo.db.databaseName
  if (args[0] === 'objectId') return new ObjectId().toHexString()
  return runMongo(mongo, args)
}

async function runMongo(mongo: CloudMongo, [action, name, method, args, steps]: unknown[]): Promise<unknown> {
  if (typeof name !== 'string' || name.length === 0) throw new RuntimeError('BAD_REQUEST', 'cloud.mongo.db.collection(name) needs a name')
  const collection = mongo.db.collection(name) as unknown as Record<string, (...args: unknown[]) => any>
  const decoded = (Array.isArray(args) ? args : []).map((each) => decode(each))
  if (action === 'collection') return encodeMongo(await collection[named(COLLECTION_METHODS, method, 'method')]!(...decoded))
  if (action === 'cursor') {
    let cursor = collection[named(CURSOR_METHODS, method, 'method')]!(...decoded)
    for (const step of Array.isArray(steps) ? steps : []) {
      const [stepName, stepArgs] = step as [unknown, unknown[]]
      cursor = cursor[named(CURSOR_STEPS, stepName, 'cursor step')](...(Array.isArray(stepArgs) ? stepArgs : []).map((each) => decode(each)))
    }
    return encodeMongo(await cursor.toArray())
  }
  throw new RuntimeError('BAD_REQUEST', `cloud.mongo: unknown action ${JSON.stringify(action)}`)
}
