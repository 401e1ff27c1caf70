// Field constraints (`required`, `default`, `in`, `length`, `number`, `match`, `unique`, `exists`, `notExists`,
// `condition`/`cond`), compiled once per policy version. Each check returns an error message or null.
import type { Db } from 'mongodb'
import { isPlainObject } from '@scraping-run/cloud/protocol'
import { compileCondition, runCondition, toCel } from '../cel.js'
import { DbProxyError } from '../errors.js'
import type { FieldConstraint, FieldRules } from '../types.js'

export interface CheckContext {
  /** The condition variables of this request (auth, query, data, …), built once per request. */
  cel(): Record<string, unknown>
  db: Db
  collection: string
  /** The request's filter, so `unique` can ignore the documents an update targets. */
  query: Record<string, unknown>
  isUpdate: boolean
}

export interface FieldCheck {
  name: string
  run(field: string, value: unknown, op: string, context: CheckContext): Promise<string | null> | string | null
}

export interface CompiledField {
  name: string
  required: boolean
  hasDefault: boolean
  default: unknown
  checks: FieldCheck[]
  /** True when the only value checks are conditions, which can judge any operator through `op`. */
  onlyConditions: boolean
}

export interface CompiledFieldRules {
  /** The fields a request may name. */
  allowed: Set<string>
  fields: Map<string, CompiledField>
}

const KNOWN = new Set(['required', 'default', 'in', 'length', 'number', 'match', 'unique', 'exists', 'notExists', 'condition', 'cond'])

const invalid = (message: string) => new DbProxyError('INVALID_POLICY', message)

function range(option: unknown, where: string): [number, number] {
  if (!Array.isArray(option) || option.length < 1 || option.length > 2 || option.some((n) => typeof n !== 'number')) {
    throw invalid(`${where} must be [min] or [min, max], e.g. [1, 64]`)
  }
  return [option[0], option[1] ?? Number.POSITIVE_INFINITY]
}

function target(option: unknown, where: string): { collection: string; field: string } {
  const parts = typeof option === 'string' ? option.split('/').filter(Boolean) : []
  if (parts.length !== 2) throw invalid(`${where} must name a collection and a field, like "/users/_id"`)
  if (parts[0].startsWith('__')) throw invalid(`${where} cannot look into the system collection "${parts[0]}"`)
  return { collection: parts[0], field: parts[1] }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(toCel(a)) === JSON.stringify(toCel(b))
}

/** Literal values only: an operator object such as `{$ne: null}` must never satisfy a lookup constraint. */
function isOperatorObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'))
}

function compileChecks(field: string, constraint: FieldConstraint, where: string): FieldCheck[] {
  const checks: FieldCheck[] = []
  for (const key of Object.keys(constraint)) {
    if (!KNOWN.has(key)) throw invalid(`${where}: unknown constraint "${key}"; use one of ${[...KNOWN].join(', ')}`)
  }
  if (constraint.in !== undefined) {
    const options = constraint.in
    if (!Array.isArray(options)) throw invalid(`${where}.in must be an array of allowed values`)
    checks.push({ name: 'in', run: (f, v) => (options.some((option) => same(option, v)) ? null : `${f} must be one of ${JSON.stringify(options)}`) })
  }
  if (constraint.length !== undefined) {
    const [min, max] = range(constraint.length, `${where}.length`)
    checks.push({
      name: 'length',
      run: (f, v) => {
        if (typeof v !== 'string' && !Array.isArray(v)) return `${f} must be a string or an array`
        return v.length >= min && v.length <= max ? null : `length of ${f} must be >= ${min}${max === Infinity ? '' : ` and <= ${max}`}`
      },
    })
  }
  if (constraint.number !== undefined) {
    const [min, max] = range(constraint.number, `${where}.number`)
    checks.push({
      name: 'number',
      run: (f, v) => {
        const n = toCel(v)
        if (typeof n !== 'number' || Number.isNaN(n)) return `${f} must be a number`
        return n >= min && n <= max ? null : `${f} must be >= ${min}${max === Infinity ? '' : ` and <= ${max}`}`
      },
    })
  }
  if (constraint.match !== undefined) {
    let pattern: RegExp
    try {
      if (typeof constraint.match !== 'string') throw new Error('not a string')
      pattern = new RegExp(constraint.match)
    } catch (error) {
      throw invalid(`${where}.match must be a valid regular expression string: ${(error as Error).message}`)
    }
    checks.push({ name: 'match', run: (f, v) => (typeof v === 'string' && pattern.test(v) ? null : `${f} has an invalid format`) })
  }
  if (constraint.unique) {
    checks.push({
      name: 'unique',
      async run(f, v, _op, context) {
        if (isOperatorObject(v)) return `${f} must be a literal value`
        const filter: Record<string, unknown> = { [f]: v }
        // An update may keep its own value: ignore the documents it targets.
        if (context.isUpdate && Object.keys(context.query).length > 0) filter.$nor = [context.query]
        const found = await context.db.collection(context.collection).findOne(filter, { projection: { _id: 1 } })
        return found ? `${f} already exists` : null
      },
    })
  }
  for (const key of ['exists', 'notExists'] as const) {
    if (constraint[key] === undefined) continue
    const { collection, field: targetField } = target(constraint[key], `${where}.${key}`)
    checks.push({
      name: key,
      async run(f, v, _op, context) {
        if (isOperatorObject(v)) return `${f} must be a literal value`
        const found = await context.db.collection(collection).findOne({ [targetField]: v }, { projection: { _id: 1 } })
        if (key === 'exists') return found ? null : `${f} does not exist in ${collection}`
        return found ? `${f} already exists in ${collection}` : null
      },
    })
  }
  for (const key of ['condition', 'cond'] as const) {
    if (constraint[key] === undefined) continue
    const condition = compileCondition(constraint[key], `${where}.${key}`)
    checks.push({
      name: 'condition',
      run: (_f, v, op, context) => runCondition(condition, { ...context.cel(), value: toCel(v), op, auth: context.cel().auth }),
    })
  }
  return checks
}

/** Compiles `data`, `query` or `$schema`: an array of allowed field names, or an object of field → constraint. */
export function compileFieldRules(config: unknown, where: string): CompiledFieldRules {
  if (Array.isArray(config)) {
    if (config.some((field) => typeof field !== 'string')) throw invalid(`${where} must list field names as strings`)
    return { allowed: new Set(config as string[]), fields: new Map() }
  }
  if (typeof config !== 'object' || config === null) {
    throw invalid(`${where} must be an array of allowed fields or an object of field constraints`)
  }
  const fields = new Map<string, CompiledField>()
  for (const [name, raw] of Object.entries(config as Record<string, FieldConstraint | string>)) {
    const constraint: FieldConstraint = typeof raw === 'string' ? { condition: raw } : raw
    if (typeof constraint !== 'object' || constraint === null || Array.isArray(constraint)) {
      throw invalid(`${where}.${name} must be a constraint object or a condition string`)
    }
    const checks = compileChecks(name, constraint, `${where}.${name}`)
    fields.set(name, {
      name,
      required: constraint.required === true,
      hasDefault: constraint.default !== undefined,
      default: constraint.default,
      checks,
      onlyConditions: checks.every((check) => check.name === 'condition'),
    })
  }
  return { allowed: new Set(fields.keys()), fields }
}

export async function runChecks(field: CompiledField, value: unknown, op: string, context: CheckContext): Promise<string | null> {
  for (const check of field.checks) {
    const error = await check.run(field.name, value, op, context)
    if (error) return error
  }
  return null
}
