// Ordered index data: one sorted list of (key tuple, document key) entries per index, `_id` included, maintained on every
// put and delete so the planner can answer equality, `$in`, range and prefix-regex queries, and sorts, from it.
import type { Document } from 'bson'
import { compareValues, pathValues } from './compare.js'
import { compileFilter } from './mingo.js'
import { SortedList } from './sorted-list.js'
import { viewOf } from './values.js'

export interface IndexEntry {
  /** One value per key field (missing and empty arrays are null, as MongoDB indexes them). */
  key: unknown[]
  id: string
}

export interface IndexData {
  entries: SortedList<IndexEntry>
  /** Documents with an array on a key path: while any exist, bounds on one field cannot be intersected, nor sorts served. */
  multikey: number
}

interface KeyedSpec {
  key: Document
  sparse?: boolean
  partialFilterExpression?: Document
}

export function directions(spec: KeyedSpec): number[] {
  return Object.values(spec.key).map((direction) => (Number(direction) < 0 ? -1 : 1))
}

/** Index order: field by field in the index's directions, then by document key so entries are unique. */
export function entryComparator(spec: KeyedSpec): (a: IndexEntry, b: IndexEntry) => number {
  const dirs = directions(spec)
  const paths = pathsOf(spec)
  if (paths.length === 1 && paths[0]!.join('.') === '_id' && dirs[0]! > 0) {
    // ObjectId `_id`s: their document keys ('o' + hex) sort exactly as the ids' bytes do, and compare much faster.
    const generic = entryComparator({ key: { _id_: 1 } })
    return (a, b) => (a.id.charCodeAt(0) === 111 && b.id.charCodeAt(0) === 111 ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : generic(a, b))
  }
  if (dirs.length === 1) {
    // One field: strings (the usual key) compare directly, without the BSON type ladder.
    const direction = dirs[0]!
    return (a, b) => {
      const x = a.key[0]
      const y = b.key[0]
      const c = typeof x === 'string' && typeof y === 'string' ? (x < y ? -1 : x > y ? 1 : 0) : compareValues(x, y)
      if (c) return c * direction
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    }
  }
  return (a, b) => {
    for (let i = 0; i < dirs.length; i++) {
      const c = compareValues(a.key[i], b.key[i])
      if (c) return c * dirs[i]!
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  }
}

export function newIndexData(spec: KeyedSpec): IndexData {
  return { entries: new SortedList(entryComparator(spec)), multikey: 0 }
}

export function cloneIndexData(data: IndexData): IndexData {
  return { entries: data.entries.clone(), multikey: data.multikey }
}

/** The key tuples one document contributes (every combination for arrays, as a multikey index does); none if excluded. */
export function keyTuples(spec: KeyedSpec, document: Document): { tuples: unknown[][]; multikey: boolean } {
  const paths = pathsOf(spec)
  if (paths.length === 1 && paths[0]!.length === 1 && paths[0]![0] === '_id') return { tuples: [[document._id]], multikey: false }
  if (spec.partialFilterExpression && !compileFilter(spec.partialFilterExpression)(viewOf(document))) return { tuples: [], multikey: false }
  // The common case: one top-level field holding a scalar.
  if (paths.length === 1 && paths[0]!.length === 1) {
    const value = document[paths[0]![0]!]
    if (value !== undefined && !Array.isArray(value)) return { tuples: [[value]], multikey: false }
    if (value === undefined && spec.sparse) return { tuples: [], multikey: false }
    if (value === undefined) return { tuples: [[null]], multikey: false }
  }
  let multikey = false
  let missing = 0
  const perField = paths.map((path) => {
    const found = pathValues(document, path)
    if (found.length === 0) missing++
    const values: unknown[] = []
    for (const value of found) {
      if (Array.isArray(value)) {
        multikey = true
        if (value.length === 0) values.push(null)
        else values.push(...value)
      } else values.push(value)
    }
    if (found.length > 1) multikey = true
    return values.length ? dedupe(values) : [null]
  })
  if (spec.sparse && missing === perField.length) return { tuples: [], multikey: false }
  let tuples: unknown[][] = [[]]
  for (const values of perField) tuples = tuples.flatMap((tuple) => values.map((value) => [...tuple, value]))
  return { tuples, multikey }
}

function dedupe(values: unknown[]): unknown[] {
  if (values.length < 2) return values
  const sorted = [...values].sort(compareValues)
  return sorted.filter((value, index) => index === 0 || compareValues(sorted[index - 1], value) !== 0)
}

const pathCache = new WeakMap<object, string[][]>()

function pathsOf(spec: KeyedSpec): string[][] {
  let paths = pathCache.get(spec.key)
  if (!paths) pathCache.set(spec.key, (paths = Object.keys(spec.key).map((field) => field.split('.'))))
  return paths
}

export function addToIndex(spec: KeyedSpec, data: IndexData, document: Document, id: string): void {
  const { tuples, multikey } = keyTuples(spec, document)
  for (const key of tuples) data.entries.insert({ key, id })
  if (multikey) data.multikey++
}

export function removeFromIndex(spec: KeyedSpec, data: IndexData, document: Document, id: string): void {
  const { tuples, multikey } = keyTuples(spec, document)
  for (const key of tuples) data.entries.remove({ key, id })
  if (multikey) data.multikey--
}

export function buildIndex(spec: KeyedSpec, docs: Map<string, Document>): IndexData {
  const data = newIndexData(spec)
  for (const [id, document] of docs) addToIndex(spec, data, document, id)
  return data
}
