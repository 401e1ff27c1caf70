// The query planner: picks the index whose bounds narrow a filter most (equality fields first, then one range), or one that
// hands documents over already in the requested sort order, else a collection scan; and runs the chosen plan.
import type { Document } from 'bson'
import { admitsNull, combine, compareToBound, fieldConditions, type Interval, isPoint, MAX, MIN, point } from './bounds.js'
import { directions, type IndexEntry } from './indexes.js'
import type { SortSpec } from './compare.js'
import { type CollectionState, ID_INDEX, type IndexSpec, orderedIndex } from './store.js'
import { bsonType, toNumber, valueKey } from './values.js'
import { CommandError } from './errors.js'

/** Combinations of `$in` points beyond this stop bounding further fields (MongoDB caps its bounds explosion too). */
const MAX_COMBINATIONS = 200

export interface Plan {
  stage: 'COLLSCAN' | 'IXSCAN' | 'IDHACK'
  index?: IndexSpec
  /** Per index field: its intervals (unbounded fields get [MinKey, MaxKey]). */
  bounds?: Interval[][]
  /** Whether documents come out in the requested sort order (so no in-memory sort is needed). */
  sorted: boolean
  /** Scan the index backwards (a sort opposite to the index's directions). */
  reverse: boolean
  multikey?: boolean
  /** `_id` points: looked up by key rather than scanned. */
  lookup?: boolean
  /** The index alone decides the filter (one equality on a non-multikey index's first field), so it is not re-run. */
  exact?: boolean
}

export interface ScanStats {
  keysExamined: number
  docsExamined: number
}

const FULL: Interval = { low: MIN, lowInclusive: true, high: MAX, highInclusive: true }

interface Candidate {
  plan: Plan
  score: number
}

/** Bounds for each field of one index, and how many leading fields they narrow. */
function indexBounds(spec: IndexSpec, conditions: Map<string, Interval[][]>, multikey: boolean) {
  const bounds: Interval[][] = []
  let equalities = 0
  let ranged = false
  let combinations = 1
  for (const field of Object.keys(spec.key)) {
    const lists = conditions.get(field)
    // Bounds stop at the first unbounded field, after a range, or when the product of points grows too large.
    if (!lists || ranged || combinations > MAX_COMBINATIONS) {
      bounds.push([FULL])
      ranged = true
      continue
    }
    const intervals = combine(lists, multikey)
    if (spec.sparse && admitsNull(intervals)) return undefined
    bounds.push(intervals)
    combinations *= Math.max(intervals.length, 1)
    if (intervals.every(isPoint)) equalities++
    else ranged = true
  }
  const narrowed = equalities + (bounds.length > equalities && bounds[equalities]![0] !== FULL ? 1 : 0)
  return { bounds, equalities, narrowed }
}

/** Whether scanning `bounds` of `spec` yields documents in `sort` order (forwards or backwards). */
function sortOrder(spec: IndexSpec, bounds: Interval[][], sort: SortSpec, multikey: boolean): { sorted: boolean; reverse: boolean } {
  const none = { sorted: false, reverse: false }
  if (multikey) return none
  const fields = Object.keys(spec.key)
  const dirs = directions(spec)
  const single = (i: number) => bounds[i]!.length === 1 && isPoint(bounds[i]![0]!)
  // Sort keys fixed by a single-point equality do not affect the order.
  const keys = sort.filter(([path]) => {
    const i = fields.indexOf(path.join('.'))
    return !(i >= 0 && single(i))
  })
  if (keys.length === 0) return { sorted: true, reverse: false }
  const start = fields.indexOf(keys[0]![0].join('.'))
  if (start < 0) return none
  for (let i = 0; i < start; i++) if (!single(i)) return none
  let reverse: boolean | undefined
  for (const [offset, [path, direction]] of keys.entries()) {
    const i = start + offset
    if (fields[i] !== path.join('.')) return none
    const backwards = direction !== dirs[i]
    if (reverse !== undefined && reverse !== backwards) return none
    reverse = backwards
  }
  return { sorted: true, reverse: !!reverse }
}

/** Chooses how to run `filter` (and `sort`) on one collection. */
export function plan(state: CollectionState, filter: Document, sort: SortSpec | undefined, collation?: Document, hint?: unknown): Plan {
  const scan: Plan = { stage: 'COLLSCAN', sorted: false, reverse: false }
  if (hint !== undefined && hint !== null && !(typeof hint === 'object' && Object.keys(hint).length === 0)) return hinted(state, filter, sort, hint)
  // Index keys are in binary order; a query with a collation compares strings differently, so it scans.
  if (collation && Object.keys(collation).length) return scan
  // The most common query of all, `{_id: <value>}`, goes straight to its document.
  if (isExactEquality(filter, '_id')) {
    const id = state.indexes.find((spec) => spec.name === ID_INDEX.name) ?? ID_INDEX
    const value = isPlainObject(filter._id) ? (filter._id as Document).$eq : filter._id
    return { stage: 'IDHACK', index: id, bounds: [[point(value)]], sorted: true, reverse: false, lookup: true, exact: true }
  }
  const conditions = fieldConditions(filter)
  let best: Candidate | undefined
  for (const spec of state.indexes) {
    const data = state.ordered.get(spec.name)
    if ((!data && spec.name !== '_id_') || spec.partialFilterExpression || spec.collation || spec.hidden) continue
    const multikey = (data?.multikey ?? 0) > 0
    const found = indexBounds(spec, conditions, multikey)
    if (!found) continue
    const order = sort ? sortOrder(spec, found.bounds, sort, multikey) : { sorted: true, reverse: false }
    // Sort-only plans must see every document: a sparse index may not.
    if (found.narrowed === 0 && (!sort || !order.sorted || spec.sparse)) continue
    const isId = spec.name === '_id_'
    const score = found.equalities * 4 + (found.narrowed > found.equalities ? 2 : 0) + (order.sorted && sort ? 1 : 0) + (spec.unique || isId ? 0.5 : 0)
    if (best && best.score >= score) continue
    const lookup = isId && found.equalities === 1
    const stage = lookup && found.bounds[0]!.length === 1 ? 'IDHACK' : 'IXSCAN'
    const exact = !multikey && isExactEquality(filter, Object.keys(spec.key)[0]!)
    best = { score, plan: { stage, index: spec, bounds: found.bounds, sorted: order.sorted, reverse: order.reverse, multikey, lookup, exact } }
  }
  return best?.plan ?? scan
}

/** The interval combinations of the narrowed fields, in index order. */
/** The plan `hint` forces: that index (by name or key pattern), bounded where the filter allows, or `{$natural: ±1}`. */
function hinted(state: CollectionState, filter: Document, sort: SortSpec | undefined, hint: unknown): Plan {
  const natural = typeof hint === 'object' ? toNumber((hint as Document).$natural) : undefined
  if (natural !== undefined) return { stage: 'COLLSCAN', sorted: false, reverse: false }
  const spec = state.indexes.find((index) => (typeof hint === 'string' ? index.name === hint : valueKey(index.key) === valueKey(hint)))
  if (!spec) throw new CommandError(2, 'BadValue', 'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index')
  const multikey = (state.ordered.get(spec.name)?.multikey ?? 0) > 0
  const bounds = indexBounds({ ...spec, sparse: false }, fieldConditions(filter), multikey)!.bounds
  const order = sort ? sortOrder(spec, bounds, sort, multikey) : { sorted: true, reverse: false }
  return { stage: 'IXSCAN', index: spec, bounds, sorted: order.sorted, reverse: order.reverse, multikey }
}

/** `{field: v}` or `{field: {$eq: v}}` alone, with `v` a scalar whose index equality is exactly the filter's. */
const isPlainObject = (value: unknown) => value !== null && typeof value === 'object' && !bsonType(value) && !(value instanceof Date) && !Array.isArray(value)

function isExactEquality(filter: Document, field: string): boolean {
  const keys = Object.keys(filter)
  if (keys.length !== 1 || keys[0] !== field) return false
  let value = filter[field]
  if (isPlainObject(value)) {
    const operators = Object.keys(value)
    if (operators.length !== 1 || operators[0] !== '$eq') return false
    value = (value as Document).$eq
  }
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && !Number.isNaN(value)) || value instanceof Date) return true
  return ['ObjectId', 'Int32', 'Long', 'Double'].includes(bsonType(value) ?? '') && !Number.isNaN(toNumber(value))
}

function boxes(bounds: Interval[][], dirs: number[]): Interval[][] {
  let out: Interval[][] = [[]]
  for (const [i, intervals] of bounds.entries()) {
    if (intervals.length === 1 && intervals[0] === FULL) break
    const ordered = dirs[i]! < 0 ? [...intervals].reverse() : intervals
    out = out.flatMap((box) => ordered.map((interval) => [...box, interval]))
  }
  return out
}

interface Edges {
  bounds: unknown[]
  inclusive: boolean[]
}

/** A box's low (or high) end in index order: a descending field's low end is its interval's high. */
function edges(box: Interval[], dirs: number[], high: boolean): Edges {
  const takeHigh = (i: number) => (dirs[i]! > 0) === high
  return {
    bounds: box.map((interval, i) => (takeHigh(i) ? interval.high : interval.low)),
    inclusive: box.map((interval, i) => (takeHigh(i) ? interval.highInclusive : interval.lowInclusive)),
  }
}

/** Whether an entry is at or after a box's low end, in index order. */
function atOrAfter(entry: IndexEntry, low: Edges, dirs: number[]): boolean {
  for (let i = 0; i < low.bounds.length; i++) {
    const c = compareToBound(entry.key[i], low.bounds[i]) * dirs[i]!
    if (c !== 0) return c > 0
    if (!low.inclusive[i]) return false
  }
  return true
}

/** Whether an entry is past a box's high end, in index order. */
function beyond(entry: IndexEntry, high: Edges, dirs: number[]): boolean {
  for (let i = 0; i < high.bounds.length; i++) {
    const c = compareToBound(entry.key[i], high.bounds[i]) * dirs[i]!
    if (c !== 0) return c > 0
    if (!high.inclusive[i]) return true
  }
  return false
}

/** Calls `visit` with each document a plan yields, in plan order (each once, also for multikey indexes), until it returns false. */
export function visitDocuments(state: CollectionState, chosen: Plan, stats: ScanStats, visit: (document: Document) => boolean): void {
  if (chosen.stage === 'COLLSCAN') {
    const documents = chosen.reverse ? [...state.docs.values()].reverse() : state.docs.values()
    for (const document of documents) if (!visit(document)) return
    return
  }
  if (chosen.lookup) {
    const points = chosen.bounds![0]!
    for (const interval of chosen.reverse ? [...points].reverse() : points) {
      stats.keysExamined++
      const document = state.docs.get(valueKey(interval.low))
      if (document && !visit(document)) return
    }
    return
  }
  const entries = orderedIndex(state, chosen.index!).entries
  const dirs = directions(chosen.index!)
  const all = boxes(chosen.bounds!, dirs)
  const seen = chosen.multikey ? new Set<string>() : undefined
  for (const box of chosen.reverse ? all.reverse() : all) {
    const low = edges(box, dirs, false)
    const high = edges(box, dirs, true)
    const start = chosen.reverse ? entries.seek((entry) => beyond(entry, high, dirs)) : entries.seek((entry) => atOrAfter(entry, low, dirs))
    let stopped = false
    entries.each(start, chosen.reverse, (entry) => {
      if (chosen.reverse ? !atOrAfter(entry, low, dirs) : beyond(entry, high, dirs)) return false
      stats.keysExamined++
      if (seen) {
        if (seen.has(entry.id)) return true
        seen.add(entry.id)
      }
      const document = state.docs.get(entry.id)
      if (document && !visit(document)) return !(stopped = true)
      return true
    })
    if (stopped) return
  }
}
