// mingo configured for the engine, with the operators it gets wrong for BSON replaced by our own.
import type { Document } from 'bson'
import { Aggregator } from 'mingo/aggregator'
import { Context } from 'mingo'
import * as accumulatorOperators from 'mingo/operators/accumulator'
import * as expressionOperators from 'mingo/operators/expression'
import * as pipelineOperators from 'mingo/operators/pipeline'
import * as projectionOperators from 'mingo/operators/projection'
import * as queryOperators from 'mingo/operators/query'
import * as windowOperators from 'mingo/operators/window'
import { Lazy } from 'mingo/lazy'
import { Query } from 'mingo/query'
import type { Options } from 'mingo/types'
import { parseSort, pathValues, sortDocuments } from './compare.js'
import { bsonType, rawOf, toView } from './values.js'
import { safeList, safeRegExp } from './regex.js'

const TYPE_NAMES: Record<number, string> = {
  1: 'double', 2: 'string', 3: 'object', 4: 'array', 5: 'binData', 6: 'undefined', 7: 'objectId', 8: 'bool', 9: 'date',
  10: 'null', 11: 'regex', 13: 'javascript', 16: 'int', 17: 'timestamp', 18: 'long', 19: 'decimal', [-1]: 'minKey', 127: 'maxKey',
}

/** MongoDB's type alias of a stored (typed) value. */
export function typeAlias(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? 'int' : 'double'
  if (typeof value === 'bigint') return 'long'
  if (value instanceof Date) return 'date'
  if (value instanceof RegExp) return 'regex'
  if (Array.isArray(value)) return 'array'
  switch (bsonType(value)) {
    case 'Int32': return 'int'
    case 'Double': return 'double'
    case 'Long': return 'long'
    case 'Decimal128': return 'decimal'
    case 'ObjectId': return 'objectId'
    case 'Binary': return 'binData'
    case 'Timestamp': return 'timestamp'
    case 'BSONRegExp': return 'regex'
    case 'MinKey': return 'minKey'
    case 'MaxKey': return 'maxKey'
    case 'Code': return 'javascript'
    case undefined: return 'object'
  }
  return 'object'
}

function typeMatches(value: unknown, wanted: unknown): boolean {
  const alias = typeAlias(value)
  const name = typeof wanted === 'number' ? TYPE_NAMES[wanted] : typeof wanted === 'string' ? wanted : TYPE_NAMES[Number(wanted)]
  if (name === 'number') return alias === 'int' || alias === 'double' || alias === 'long' || alias === 'decimal'
  return alias === name
}

/** `$type` on the stored document, so int/long/double/decimal and objectId are told apart (mingo sees only numbers). */
function $type(selector: string, value: unknown) {
  const wanted = Array.isArray(value) ? value : [value]
  const path = selector.split('.')
  return (view: Document) => {
    const raw = rawOf(view) ?? view
    return pathValues(raw, path).some(
      (found) =>
        wanted.some((type) => typeMatches(found, type)) ||
        (Array.isArray(found) && found.some((item) => wanted.some((type) => typeMatches(item, type) && type !== 'array' && type !== 4))),
    )
  }
}

/** `$sort` in BSON order with MongoDB's array rule (min element ascending, max descending); mingo's differs for arrays. */
function $sort(collection: { transform(fn: (items: Document[]) => unknown): unknown }, spec: Document, options: Options) {
  if (options.collation) return (pipelineOperators.$sort as (...args: unknown[]) => unknown)(collection, spec, options)
  const parsed = parseSort(spec)
  if (!parsed) throw new Error('$sort specification is invalid')
  return collection.transform((items) => Lazy(sortDocuments(items, parsed)))
}

/** `$regex`, `$in`, `$nin` and `$all` with their patterns swapped for bounded ones (see regex.ts). */
function boundedRegexOperators() {
  type QueryOperator = (selector: string, value: unknown, options: Options) => unknown
  const wrap = (operator: QueryOperator, map: (value: unknown) => unknown): QueryOperator => (selector, value, options) => operator(selector, map(value), options)
  return {
    $regex: wrap(queryOperators.$regex as QueryOperator, safeRegExp),
    $in: wrap(queryOperators.$in as QueryOperator, safeList),
    $nin: wrap(queryOperators.$nin as QueryOperator, safeList),
    $all: wrap(queryOperators.$all as QueryOperator, safeList),
  }
}

// Built whole rather than merged onto mingo's default context, where the first definition of an operator wins.
const context = Context.init({
  accumulator: accumulatorOperators as never,
  expression: expressionOperators as never,
  pipeline: { ...pipelineOperators, $sort } as never,
  projection: projectionOperators as never,
  query: { ...queryOperators, $type, ...boundedRegexOperators() } as never,
  window: windowOperators as never,
})

export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  // Scripts stay enabled for mingo's own window operators, which use $function internally. A client cannot run code:
  // nothing decoded from BSON is a JS function (Code is an object), and mingo never evaluates strings.
  return { context, scriptEnabled: true, ...extra }
}

export function compileFilter(filter: Document, extra?: Partial<Options>): (view: Document) => boolean {
  if (Object.keys(filter).length === 0) return () => true
  const query = new Query(filter, mingoOptions(extra))
  return (view) => query.test(view)
}

export function runPipeline(documents: Iterable<Document>, pipeline: Document[], extra?: Partial<Options>): Document[] {
  return new Aggregator(pipeline, mingoOptions(extra)).run(documents) as Document[]
}

/** A command's `let`: each value is an expression, evaluated once with no current document (so `$literal` works). */
export function evaluateLet(variables: Document | undefined): Document | undefined {
  if (!variables || typeof variables !== 'object') return undefined
  const [evaluated] = runPipeline([{}], [{ $replaceWith: toView(variables) }])
  return evaluated
}
