// The LAF profile of the proxy (`laf: true`): what a LAF app's data and clients rely on. LAF's proxy stores the `_id` of
// an added document as a hex string, and its browser code sends that string back in `where({_id})`; documents written
// by the native driver have ObjectIds. So an `_id` given as a 24-digit hex string or an ObjectId matches both forms.
import { BSON } from 'mongodb'
import type { ParsedRequest } from './types.js'

const HEX_ID = /^[0-9a-fA-F]{24}$/

function isObjectId(value: unknown): value is BSON.ObjectId {
  return typeof value === 'object' && value !== null && (value as { _bsontype?: string })._bsontype === 'ObjectId'
}

/** `'<hex>'` or `ObjectId('<hex>')` → both of them; anything else → itself alone. */
function bothForms(value: unknown): unknown[] {
  if (typeof value === 'string' && HEX_ID.test(value)) return [value, BSON.ObjectId.createFromHexString(value)]
  if (isObjectId(value)) return [value.toHexString(), value]
  return [value]
}

const hasBothForms = (value: unknown) => (typeof value === 'string' && HEX_ID.test(value)) || isObjectId(value)
const expandAll = (values: unknown[]) => values.flatMap(bothForms)

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The condition on `_id`, rewritten so a hex string and its ObjectId are the same id. */
function idCondition(condition: unknown): unknown {
  if (hasBothForms(condition)) return { $in: bothForms(condition) }
  if (!isPlain(condition)) return condition
  const out: Record<string, unknown> = { ...condition }
  if (hasBothForms(out.$eq) && out.$in === undefined) {
    out.$in = bothForms(out.$eq)
    delete out.$eq
  }
  if (hasBothForms(out.$ne) && out.$nin === undefined) {
    out.$nin = bothForms(out.$ne)
    delete out.$ne
  }
  if (Array.isArray(out.$in)) out.$in = expandAll(out.$in)
  if (Array.isArray(out.$nin)) out.$nin = expandAll(out.$nin)
  return out
}

/** Rewrites `_id` conditions of a filter (also inside `$and` / `$or` / `$nor`); returns a new filter. */
export function lafFilter(filter: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(filter)) {
    if (key === '_id') out[key] = idCondition(value)
    else if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
      out[key] = value.map((each) => (isPlain(each) ? lafFilter(each) : each))
    } else out[key] = value
  }
  return out
}

/**
 * The request as the accessor runs it under the profile: added documents without an `_id` get a hex string one (a given
 * `_id` is kept — LAF overwrote it), and filters (and `$match` stages) match both id forms. An upsert keeps its filter as is, so the document
 * it may insert gets the `_id` the filter names.
 */
export function lafRequest(request: ParsedRequest): ParsedRequest {
  if (request.permission === 'add') {
    const withId = (doc: Record<string, unknown>) => (doc._id === undefined ? { _id: new BSON.ObjectId().toHexString(), ...doc } : doc)
    return { ...request, data: Array.isArray(request.data) ? request.data.map(withId) : withId(request.data) }
  }
  if (request.permission === 'aggregate') {
    // `$match` stages filter like a query (LAF clients send the ids they hold there too); other stages are left alone.
    return { ...request, pipeline: request.pipeline.map((stage) => (isPlain(stage.$match) ? { ...stage, $match: lafFilter(stage.$match) } : stage)) }
  }
  if (request.permission === 'update' && request.upsert) return request
  return { ...request, query: lafFilter(request.query) }
}

/** LAF answers a multi add with `_id` as an object of index → id (the driver's `insertedIds`), not an array. */
export function lafAddIds(ids: unknown): unknown {
  return Array.isArray(ids) ? Object.fromEntries(ids.map((id, index) => [String(index), id])) : ids
}
