// MongoDB's total order over BSON values, used for sort, $min/$max-like decisions and index keys.
import type { Document } from 'bson'
import { bsonType, toNumber } from './values.js'

export function rank(value: unknown): number {
  if (value === undefined || value === null) return 2
  if (typeof value === 'number' || typeof value === 'bigint') return 3
  if (typeof value === 'string') return 4
  if (typeof value === 'boolean') return 9
  if (value instanceof Date) return 10
  if (value instanceof RegExp) return 12
  if (Array.isArray(value)) return 6
  switch (bsonType(value)) {
    case 'MinKey':
      return 1
    case 'MaxKey':
      return 13
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 3
    case 'BSONSymbol':
      return 4
    case 'Binary':
      return 7
    case 'ObjectId':
      return 8
    case 'Timestamp':
      return 11
    case 'BSONRegExp':
      return 12
    case 'Code':
      return 14
  }
  return 5
}

/** `strings`, when given, orders strings (a collation); otherwise they compare by code unit, as MongoDB's binary order. */
export function compareValues(a: unknown, b: unknown, strings?: (a: string, b: string) => number): number {
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra < rb ? -1 : 1
  switch (ra) {
    case 3: {
      const x = toNumber(a)!
      const y = toNumber(b)!
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1
      if (Number.isNaN(y)) return 1
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 4: {
      if (strings) return Math.sign(strings(String(a), String(b)))
      const x = String(a)
      const y = String(b)
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 5:
      return compareObjects(a as Document, b as Document, strings)
    case 6: {
      const x = a as unknown[]
      const y = b as unknown[]
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i], strings)
        if (c) return c
      }
      return x.length - y.length === 0 ? 0 : x.length < y.length ? -1 : 1
    }
    case 7: {
      const x = (a as { buffer: Uint8Array; sub_type: number })
      const y = (b as { buffer: Uint8Array; sub_type: number })
      if (x.buffer.length !== y.buffer.length) return x.buffer.length < y.buffer.length ? -1 : 1
      if (x.sub_type !== y.sub_type) return x.sub_type < y.sub_type ? -1 : 1
      return Buffer.compare(x.buffer, y.buffer)
    }
    case 8:
      return Buffer.compare((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id)
    case 9:
      return a === b ? 0 : a ? 1 : -1
    case 10: {
      const x = (a as Date).getTime()
      const y = (b as Date).getTime()
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 11: {
      const x = (a as { compare(o: unknown): number }).compare(b)
      return x < 0 ? -1 : x > 0 ? 1 : 0
    }
    default: {
      const x = String(a)
      const y = String(b)
      return x < y ? -1 : x > y ? 1 : 0
    }
  }
}

function compareObjects(a: Document, b: Document, strings?: (a: string, b: string) => number): number {
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const c = rank(a[ka[i]!]) - rank(b[kb[i]!]) || (ka[i]! < kb[i]! ? -1 : ka[i]! > kb[i]! ? 1 : 0) || compareValues(a[ka[i]!], b[kb[i]!], strings)
    if (c) return c < 0 ? -1 : 1
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1
}

/** Every value a dotted path reaches, descending through arrays as MongoDB does. */
export function pathValues(value: unknown, path: string[], index = 0): unknown[] {
  if (index === path.length) return [value]
  if (Array.isArray(value)) {
    const key = path[index]!
    if (/^\d+$/.test(key)) return pathValues(value[Number(key)], path, index + 1)
    return value.flatMap((item) => (item !== null && typeof item === 'object' ? pathValues(item, path, index) : []))
  }
  if (value === null || typeof value !== 'object' || bsonType(value)) return []
  const next = (value as Document)[path[index]!]
  return next === undefined ? [] : pathValues(next, path, index + 1)
}

/** The key a document sorts by on one field: arrays contribute their smallest (ascending) or largest (descending) element. */
function sortKey(document: Document, path: string[], direction: number, strings?: (a: string, b: string) => number): unknown {
  const values = pathValues(document, path).flatMap((value) => (Array.isArray(value) ? (value.length ? value : [undefined]) : [value]))
  if (values.length === 0) return null
  let best = values[0]
  for (const value of values.slice(1)) {
    const c = compareValues(value, best, strings)
    if (direction > 0 ? c < 0 : c > 0) best = value
  }
  return best
}

export type SortSpec = Array<[string[], number]>

export function parseSort(sort: Document | undefined): SortSpec | undefined {
  if (!sort || Object.keys(sort).length === 0) return undefined
  return Object.keys(sort).map((key) => {
    const direction = sort[key]
    const number = toNumber(direction)
    return [key.split('.'), number !== undefined && number < 0 ? -1 : 1]
  })
}

/** Sorts stored documents in place by a sort spec; stable, so ties keep insertion order. */
export function sortDocuments<T extends Document>(documents: T[], spec: SortSpec, strings?: (a: string, b: string) => number): T[] {
  const keyed = documents.map((document, index) => ({ document, index, keys: spec.map(([path, dir]) => sortKey(document, path, dir, strings)) }))
  keyed.sort((a, b) => {
    for (let i = 0; i < spec.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], strings)
      if (c) return c * spec[i]![1]
    }
    return a.index - b.index
  })
  return keyed.map((entry) => entry.document)
}
