// Index bounds a filter implies, field by field. Bounds only narrow which documents the filter is then run on, so each one
// must contain every value the filter could match on that field (a superset is always safe; a subset never is).
import type { Document } from 'bson'
import { compareValues, rank } from './compare.js'
import { bsonType } from './values.js'

/** Just before (or after) every value of one BSON type rank: the ends of a type-bracketed range. */
export class Edge {
  constructor(
    readonly rank: number,
    readonly after: boolean,
  ) {}
}

export const MIN = new Edge(0, false)
export const MAX = new Edge(99, false)

export type Bound = unknown

export interface Interval {
  low: Bound
  lowInclusive: boolean
  high: Bound
  highInclusive: boolean
}

/** Compares a stored key value with a bound value (which may be an Edge). */
export function compareToBound(value: unknown, bound: Bound): number {
  if (bound instanceof Edge) {
    const r = rank(value)
    if (r !== bound.rank) return r < bound.rank ? -1 : 1
    return bound.after ? -1 : 1
  }
  return compareValues(value, bound)
}

function compareBounds(a: Bound, b: Bound): number {
  if (a instanceof Edge && b instanceof Edge) return a.rank - b.rank || Number(a.after) - Number(b.after)
  if (a instanceof Edge) return -compareToBound(b, a)
  return compareToBound(a, b)
}

export const point = (value: unknown): Interval => ({ low: value, lowInclusive: true, high: value, highInclusive: true })
export const isPoint = (interval: Interval) => !(interval.low instanceof Edge) && interval.lowInclusive && interval.highInclusive && compareBounds(interval.low, interval.high) === 0

function isPlain(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !bsonType(value) && !(value instanceof Date) && !(value instanceof RegExp)
}

/** Bounds of a prefix regex (`/^abc/`): the strings from "abc" up to, not including, "abd". */
function regexBounds(source: string, flags: string): Interval[] | undefined {
  if (!source.startsWith('^') || /[imx]/.test(flags)) return undefined
  let prefix = ''
  for (let i = 1; i < source.length; i++) {
    const char = source[i]!
    if ('\\^$.|?*+()[]{}'.includes(char)) {
      // A quantifier makes the character before it optional.
      if ('?*{'.includes(char)) prefix = prefix.slice(0, -1)
      break
    }
    prefix += char
  }
  if (!prefix) return [{ low: new Edge(4, false), lowInclusive: true, high: new Edge(4, true), highInclusive: true }]
  const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
  return [{ low: prefix, lowInclusive: true, high: next, highInclusive: false }]
}

/** Bounds for `{field: value}` with a non-operator value; undefined when no index bound applies. */
function equalityBounds(value: unknown): Interval[] | undefined {
  if (value instanceof RegExp) return regexBounds(value.source, value.flags)
  if (bsonType(value) === 'BSONRegExp') return regexBounds((value as { pattern: string }).pattern, (value as { options: string }).options)
  // An array matches as a whole value as well as element-wise: leave it to the filter.
  if (Array.isArray(value)) return undefined
  const type = bsonType(value)
  if (type === 'MinKey' || type === 'MaxKey') return undefined
  return [point(value ?? null)]
}

function rangeBound(operator: string, value: unknown): Interval[] | undefined {
  if (Array.isArray(value) || value instanceof RegExp || bsonType(value) === 'MinKey' || bsonType(value) === 'MaxKey') return undefined
  const r = rank(value)
  // A comparison only matches values of its operand's type bracket, as in MongoDB.
  if (operator === '$gt' || operator === '$gte') return [{ low: value, lowInclusive: operator === '$gte', high: new Edge(r, true), highInclusive: true }]
  return [{ low: new Edge(r, false), lowInclusive: true, high: value, highInclusive: operator === '$lte' }]
}

/** Bounds from an operator object such as `{$gte: 1, $lt: 5}`: one interval list per operator that has bounds. */
function operatorBounds(spec: Document): Interval[][] {
  const lists: Interval[][] = []
  for (const [operator, value] of Object.entries(spec)) {
    let list: Interval[] | undefined
    if (operator === '$eq') list = equalityBounds(value)
    else if (operator === '$in' && Array.isArray(value)) list = inBounds(value)
    else if (['$gt', '$gte', '$lt', '$lte'].includes(operator)) list = rangeBound(operator, value)
    else if (operator === '$regex') {
      const source = value instanceof RegExp ? value.source : typeof value === 'string' ? value : undefined
      const flags = (value instanceof RegExp ? value.flags : '') + (typeof spec.$options === 'string' ? spec.$options : '')
      if (source !== undefined) list = regexBounds(source, flags)
    }
    if (list) lists.push(list)
  }
  return lists
}

function inBounds(values: unknown[]): Interval[] | undefined {
  const intervals: Interval[] = []
  for (const value of values) {
    const list = equalityBounds(value)
    if (!list) return undefined
    intervals.push(...list)
  }
  return normalize(intervals)
}

/** Sorted, with overlapping intervals merged, so a scan visits each key once and in order. */
function normalize(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => compareBounds(a.low, b.low) || Number(b.lowInclusive) - Number(a.lowInclusive))
  const out: Interval[] = []
  for (const interval of sorted) {
    const last = out[out.length - 1]
    const c = last ? compareBounds(interval.low, last.high) : 1
    if (last && (c < 0 || (c === 0 && (interval.lowInclusive || last.highInclusive)))) {
      const h = compareBounds(interval.high, last.high)
      if (h > 0 || (h === 0 && interval.highInclusive)) {
        last.high = interval.high
        last.highInclusive = interval.highInclusive
      }
    } else out.push({ ...interval })
  }
  return out
}

/** Intersection of two normalized interval lists. */
export function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = []
  for (const x of a) {
    for (const y of b) {
      const lc = compareBounds(x.low, y.low)
      const low = lc >= 0 ? x : y
      const lowInclusive = lc === 0 ? x.lowInclusive && y.lowInclusive : low.lowInclusive
      const hc = compareBounds(x.high, y.high)
      const high = hc <= 0 ? x : y
      const highInclusive = hc === 0 ? x.highInclusive && y.highInclusive : high.highInclusive
      const c = compareBounds(low.low, high.high)
      if (c < 0 || (c === 0 && lowInclusive && highInclusive)) out.push({ low: low.low, lowInclusive, high: high.high, highInclusive })
    }
  }
  return out
}

/** Every field's candidate bounds: field → one interval list per condition on it (top level and inside `$and`). */
export function fieldConditions(filter: Document, into = new Map<string, Interval[][]>()): Map<string, Interval[][]> {
  for (const [field, value] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlain(clause)) fieldConditions(clause, into)
      continue
    }
    if (field.startsWith('$')) continue
    const isOperator = isPlain(value) && Object.keys(value).length > 0 && Object.keys(value).every((key) => key.startsWith('$'))
    const lists = isOperator ? operatorBounds(value) : [equalityBounds(value)].filter((list): list is Interval[] => !!list)
    if (lists.length) into.set(field, [...(into.get(field) ?? []), ...lists])
  }
  return into
}

/** One field's bounds: all conditions intersected, or only the first when the index is multikey (see IndexData). */
export function combine(lists: Interval[][], multikey: boolean): Interval[] {
  if (multikey) return lists[0]!
  return lists.slice(1).reduce(intersect, lists[0]!)
}

/** Whether bounds admit null/missing values (which a sparse index leaves out). */
export function admitsNull(intervals: Interval[]): boolean {
  return intervals.some((interval) => compareToBound(null, interval.low) >= 0 && compareToBound(null, interval.high) <= 0)
}
