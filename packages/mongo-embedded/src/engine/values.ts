// BSON values as the engine sees them. Documents are stored exactly as decoded (Int32, Double, Long, Decimal128 kept), and
// mingo, which only understands JS numbers, works on a "view" where every numeric type is a plain number. Results computed
// on a view are mapped back to BSON types by `retype`, which reuses the stored value's type when the number is unchanged.
import { Decimal128, Double, type Document, Int32, Long } from 'bson'

type Bsonish = { _bsontype?: string }

export function bsonType(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? (value as Bsonish)._bsontype : undefined
}

export function isNumeric(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true
  const type = bsonType(value)
  return type === 'Int32' || type === 'Double' || type === 'Long' || type === 'Decimal128'
}

/** The numeric value of an Int32/Double/Long/Decimal128/number, or undefined for anything else. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  switch (bsonType(value)) {
    case 'Int32':
    case 'Double':
      return (value as Int32).value
    case 'Long':
      return (value as Long).toNumber()
    case 'Decimal128':
      return Number.parseFloat((value as Decimal128).toString())
  }
  return undefined
}

const views = new WeakMap<object, unknown>()
const raws = new WeakMap<object, unknown>()

/** The stored value a view was made from (views are cached, so this is exact for documents read from a collection). */
export function rawOf(view: unknown): unknown {
  return view !== null && typeof view === 'object' ? raws.get(view) : undefined
}

/** The mingo-friendly view of a value: numbers plain, everything else as is. Cached per (immutable) stored object. */
export function toView(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const number = toNumber(value)
  if (number !== undefined) return number
  if (Array.isArray(value)) {
    const cached = views.get(value)
    if (cached) return cached
    const view = value.map(toView)
    views.set(value, view)
    raws.set(view, value)
    return view
  }
  if (bsonType(value) || value instanceof Date || value instanceof RegExp) return value
  const cached = views.get(value)
  if (cached) return cached
  const view: Document = {}
  for (const key of Object.keys(value)) view[key] = toView((value as Document)[key])
  views.set(value, view)
  raws.set(view, value)
  return view
}

export function viewOf(document: Document): Document {
  return toView(document) as Document
}

/** A JS number as the BSON type MongoDB would compute: Int32 when it fits, else Long for safe integers, else Double. */
export function defaultNumber(value: number, preferLong = false): Int32 | Long | Double {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (!preferLong && value >= -0x80000000 && value <= 0x7fffffff) return new Int32(value)
    if (Number.isSafeInteger(value)) return Long.fromNumber(value)
  }
  return new Double(value)
}

const WIDTH: Record<string, number> = { Int32: 0, Long: 1, Double: 2, Decimal128: 3 }

/** Result type of arithmetic between two stored numbers ($inc, $mul): the wider type wins, Int32 overflow becomes Long. */
export function arithmeticResult(value: number, a: unknown, b: unknown): unknown {
  const width = Math.max(WIDTH[bsonType(a) ?? ''] ?? 2, WIDTH[bsonType(b) ?? ''] ?? 2)
  if (width === 3) return Decimal128.fromString(String(value))
  if (width === 2) return new Double(value)
  if (width === 1 || value > 0x7fffffff || value < -0x80000000) return Number.isSafeInteger(value) ? Long.fromNumber(value) : new Double(value)
  return new Int32(value)
}

/**
 * Maps a value computed on views back to BSON types. `hint` is the stored value at the same place (if any); a number equal
 * to the hint's numeric value takes the hint's type, objects and arrays are walked key by key.
 */
export function retype(value: unknown, hint?: unknown): unknown {
  if (typeof value === 'number') {
    if (hint !== undefined && isNumeric(hint) && toNumber(hint) === value) return hint
    return defaultNumber(value)
  }
  if (typeof value === 'bigint') return Long.fromBigInt(value)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    const hints = Array.isArray(hint) ? hint : undefined
    return value.map((item, index) => retype(item, hints?.[index]))
  }
  if (bsonType(value) || value instanceof Date || value instanceof RegExp) return value
  const hints = hint !== null && typeof hint === 'object' && !Array.isArray(hint) && !bsonType(hint) ? (hint as Document) : undefined
  const out: Document = {}
  for (const key of Object.keys(value)) {
    const item = (value as Document)[key]
    if (item !== undefined) out[key] = retype(item, hints?.[key])
  }
  return out
}

/** A stable string for equality of values (numbers of any BSON type compare by value), used for `_id` and unique keys. */
export function valueKey(value: unknown): string {
  if (value === undefined || value === null) return 'null'
  if (typeof value === 'string') return `s${value}`
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  const number = toNumber(value)
  if (number !== undefined) return `n${number}`
  if (value instanceof Date) return `d${value.getTime()}`
  if (value instanceof RegExp) return `r${value.source}/${value.flags}`
  const type = bsonType(value)
  if (type === 'ObjectId') return `o${(value as { toHexString(): string }).toHexString()}`
  if (type === 'Binary') return `b${(value as { toString(e: string): string }).toString('base64')}`
  if (type) return `${type}:${String(value)}`
  if (Array.isArray(value)) return `[${value.map(valueKey).join(',')}]`
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${valueKey((value as Document)[key])}`)
    .join(',')}}`
}

/** Moves `_id` to the front, as MongoDB stores it. */
export function idFirst<T extends Document>(document: T): T {
  if (!('_id' in document)) return document
  const keys = Object.keys(document)
  if (keys[0] === '_id') return document
  const out: Document = { _id: document._id }
  for (const key of keys) if (key !== '_id') out[key] = document[key]
  return out as T
}
