// Collation: string order from Intl.Collator (strength 1 = base letters, 2 = plus accents, 3 = plus case), and, for filters
// at strength 1 or 2, equality through a collation key (case- and, at 1, accent-folded strings) on both sides.
import type { Document } from 'bson'
import { badValue } from './errors.js'
import { bsonType, toNumber } from './values.js'

export interface Collation {
  compare: (a: string, b: string) => number
  /** Folds a string to its equivalence class at this strength; undefined at strength 3 and above (exact strings). */
  fold?: (s: string) => string
}

const SENSITIVITY: Record<number, Intl.CollatorOptions['sensitivity']> = { 1: 'base', 2: 'accent', 3: 'variant', 4: 'variant', 5: 'variant' }

/** The collation a command asks for; undefined for none or the `simple` locale (binary comparison). */
export function parseCollation(spec: unknown): Collation | undefined {
  if (spec === undefined || spec === null) return undefined
  if (typeof spec !== 'object' || Array.isArray(spec)) throw badValue('collation must be an object')
  const { locale, strength: rawStrength, caseLevel, numericOrdering, caseFirst } = spec as Document
  if (typeof locale !== 'string') throw badValue("Missing expected field \"locale\"")
  if (locale === 'simple') return undefined
  const strength = toNumber(rawStrength) ?? 3
  if (!SENSITIVITY[strength]) throw badValue('collation strength must be an integer from 1 to 5')
  let collator: Intl.Collator
  try {
    collator = new Intl.Collator(locale.replace('@', '-u-').replace('collation=', 'co-'), {
      sensitivity: strength === 1 && caseLevel ? 'case' : SENSITIVITY[strength],
      numeric: numericOrdering === true,
      caseFirst: caseFirst === 'upper' || caseFirst === 'lower' ? caseFirst : undefined,
      usage: 'sort',
    })
  } catch {
    throw badValue(`Field 'locale' is invalid in: { locale: "${locale}" }`)
  }
  const fold = strength >= 3 ? undefined : strength === 2 || caseLevel ? (s: string) => (caseLevel ? stripAccents(s) : s.toLocaleLowerCase(locale)) : (s: string) => stripAccents(s).toLocaleLowerCase(locale)
  return { compare: collator.compare, fold }
}

const stripAccents = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '')

const VALUE_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$all'])

function isPlain(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !bsonType(value) && !(value instanceof Date) && !(value instanceof RegExp)
}

/** Every string in a stored value folded (documents, arrays and their elements). */
export function foldValue(value: unknown, fold: (s: string) => string): unknown {
  if (typeof value === 'string') return fold(value)
  if (Array.isArray(value)) return value.map((item) => foldValue(item, fold))
  if (!isPlain(value)) return value
  const out: Document = {}
  for (const key of Object.keys(value)) out[key] = foldValue(value[key], fold)
  return out
}

/** A filter whose compared string literals are folded (field names, regexes, `$type` names and `$expr` left alone). */
export function foldFilter(filter: Document, fold: (s: string) => string): Document {
  const out: Document = {}
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') out[key] = Array.isArray(value) ? value.map((clause) => (isPlain(clause) ? foldFilter(clause, fold) : clause)) : value
    else if (key.startsWith('$')) out[key] = value
    else out[key] = foldCondition(value, fold)
  }
  return out
}

function foldCondition(value: unknown, fold: (s: string) => string): unknown {
  if (!isPlain(value) || !Object.keys(value).some((key) => key.startsWith('$'))) return foldValue(value, fold)
  const out: Document = {}
  for (const [operator, operand] of Object.entries(value)) {
    if (VALUE_OPERATORS.has(operator)) out[operator] = foldValue(operand, fold)
    else if (operator === '$not') out[operator] = foldCondition(operand, fold)
    else if (operator === '$elemMatch' && isPlain(operand)) out[operator] = Object.keys(operand).some((key) => key.startsWith('$')) ? foldCondition(operand, fold) : foldFilter(operand, fold)
    else out[operator] = operand
  }
  return out
}
