// Reading: filter (mingo on views), sort (BSON order), skip/limit, projection (mingo, typed back), with an `_id` fast path.
import type { Document } from 'bson'
import { Query } from 'mingo/query'
import { parseSort, sortDocuments } from './compare.js'
import { badValue } from './errors.js'
import { compileFilter, evaluateLet, mingoOptions } from './mingo.js'
import type { CollectionState } from './store.js'
import { bsonType, idFirst, retype, toNumber, toView, viewOf } from './values.js'
import { plan, type Plan, type ScanStats, visitDocuments } from './planner.js'
import { checkDeadline } from './deadline.js'
import { foldFilter, foldValue, parseCollation } from './collation.js'

export interface SelectOptions {
  sort?: Document
  skip?: number
  limit?: number
  let?: Document
  collation?: Document
  /** An index name or key pattern the plan must use, or `{$natural: 1}` (a collection scan). */
  hint?: unknown
  /** `performance.now()` past which the operation fails with MaxTimeMSExpired (50). */
  deadline?: number
  /** Filled in for explain. */
  stats?: ScanStats
}

export function matcher(filter: Document | undefined, options: SelectOptions = {}): (document: Document) => boolean {
  if (!filter || Object.keys(filter).length === 0) return () => true
  const fold = parseCollation(options.collation)?.fold
  let test: (view: Document) => boolean
  try {
    test = compileFilter(toView(fold ? foldFilter(filter, fold) : filter) as Document, options.let ? mingoOptions({ variables: evaluateLet(options.let) }) : undefined)
  } catch (error) {
    throw badValue((error as Error).message)
  }
  if (fold) return (document) => test(foldValue(viewOf(document), fold) as Document)
  return (document) => test(viewOf(document))
}

/** The stored documents a filter selects, sorted, skipped and limited, through the plan the planner picks. */
export function selectDocuments(state: CollectionState | undefined, filter: Document | undefined, options: SelectOptions = {}): Document[] {
  if (!state) return []
  const skip = toNumber(options.skip) ?? 0
  const limit = Math.abs(toNumber(options.limit) ?? 0)
  // `{$natural: ±1}`: insertion order, forwards or backwards, from a collection scan.
  const natural = options.sort && Object.keys(options.sort).length === 1 && '$natural' in options.sort ? (toNumber(options.sort.$natural) ?? 1) : undefined
  const sort = natural === undefined ? parseSort(options.sort) : undefined
  const collation = parseCollation(options.collation)
  const chosen: Plan = natural === undefined ? plan(state, filter ?? {}, sort, collation ? options.collation : undefined, options.hint) : { stage: 'COLLSCAN', sorted: true, reverse: natural < 0 }
  const stats = options.stats ?? { keysExamined: 0, docsExamined: 0 }
  // An exact plan (equality on one field, answered by the index alone) needs no filter compiled.
  const test = chosen.exact ? undefined : matcher(filter, options)
  const deadline = options.deadline
  let selected: Document[] = []
  // When documents arrive in sort order (or no order is asked for), the scan stops once skip + limit matched.
  const enough = (!sort || chosen.sorted) && limit ? skip + limit : Infinity
  let visited = 0
  visitDocuments(state, chosen, stats, (document) => {
    if ((++visited & 255) === 0 && deadline !== undefined) checkDeadline(deadline)
    if (!test || test(document)) selected.push(document)
    return selected.length < enough
  })
  stats.docsExamined += visited
  if (sort && !chosen.sorted) selected = sortDocuments(selected, sort, collation?.compare)
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
