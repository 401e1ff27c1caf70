// Reading: filter (mingo on views), sort (BSON order), skip/limit, projection (mingo, typed back), with an `_id` fast path.
import type { Document } from 'bson'
import { Query } from 'mingo/query'
import { parseSort, sortDocuments } from './compare.js'
import { badValue } from './errors.js'
import { compileFilter, evaluateLet, mingoOptions } from './mingo.js'
import type { CollectionState } from './store.js'
import { bsonType, idFirst, retype, toNumber, toView, valueKey, viewOf } from './values.js'

export interface SelectOptions {
  sort?: Document
  skip?: number
  limit?: number
  let?: Document
}

/** `{_id: <value>}` (or `$eq`) selects one document by key without scanning. */
function idLookup(filter: Document): string | undefined {
  const keys = Object.keys(filter)
  if (keys.length !== 1 || keys[0] !== '_id') return undefined
  let value = filter._id
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !bsonType(value) && !(value instanceof Date) && !(value instanceof RegExp)) {
    const ops = Object.keys(value)
    if (ops.length !== 1 || ops[0] !== '$eq') return undefined
    value = (value as Document).$eq
  }
  if (value instanceof RegExp || Array.isArray(value) || value === null || value === undefined) return undefined
  if (typeof value === 'object' && !bsonType(value) && !(value instanceof Date)) return undefined
  return valueKey(value)
}

export function matcher(filter: Document | undefined, options: SelectOptions = {}): (document: Document) => boolean {
  if (!filter || Object.keys(filter).length === 0) return () => true
  let test: (view: Document) => boolean
  try {
    test = compileFilter(toView(filter) as Document, options.let ? mingoOptions({ variables: evaluateLet(options.let) }) : undefined)
  } catch (error) {
    throw badValue((error as Error).message)
  }
  return (document) => test(viewOf(document))
}

/** The stored documents a filter selects, sorted, skipped and limited. */
export function selectDocuments(state: CollectionState | undefined, filter: Document | undefined, options: SelectOptions = {}): Document[] {
  if (!state) return []
  const skip = toNumber(options.skip) ?? 0
  const limit = Math.abs(toNumber(options.limit) ?? 0)
  const sort = parseSort(options.sort)
  const key = filter ? idLookup(filter) : undefined
  let selected: Document[]
  if (key !== undefined) {
    const document = state.docs.get(key)
    selected = document ? [document] : []
  } else {
    const test = matcher(filter, options)
    selected = []
    // Without a sort the scan can stop once skip + limit documents matched.
    const enough = !sort && limit ? skip + limit : Infinity
    for (const document of state.docs.values()) {
      if (test(document)) selected.push(document)
      if (selected.length >= enough) break
    }
  }
  if (sort) selected = sortDocuments(selected, sort)
  if (skip) selected = selected.slice(skip)
  if (limit) selected = selected.slice(0, limit)
  return selected
}

/** Applies a find projection to stored documents. */
export function projectDocuments(documents: Document[], projection: Document | undefined, filter?: Document): Document[] {
  if (!projection || Object.keys(projection).length === 0) return documents
  const spec = toView(projection) as Document
  let query: Query
  try {
    query = new Query((filter ? toView(filter) : {}) as Document, mingoOptions())
  } catch (error) {
    throw badValue((error as Error).message)
  }
  return documents.map((document) => {
    let projected: Document
    try {
      projected = query.find([viewOf(document)], spec).all()[0] as Document
    } catch (error) {
      throw badValue((error as Error).message)
    }
    return idFirst(orderLike(retype(projected ?? {}, document) as Document, document))
  })
}

function isPlain(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !bsonType(value) && !(value instanceof Date) && !(value instanceof RegExp)
}

/** Field order of the stored document (mingo emits projected fields in projection order; MongoDB keeps the document's). */
function orderLike(result: Document, source: Document): Document {
  const position = new Map(Object.keys(source).map((key, index) => [key, index]))
  const keys = Object.keys(result).sort((a, b) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity))
  const out: Document = {}
  for (const key of keys) out[key] = isPlain(result[key]) && isPlain(source[key]) ? orderLike(result[key] as Document, source[key] as Document) : result[key]
  return out
}
