// Rule conditions are CEL (@marcbachmann/cel-js): no loops, no side effects, no access to JavaScript objects' prototypes.
// Each condition is parsed once per policy version and then evaluated per request over plain data.
import { parse, type ParseResult } from '@marcbachmann/cel-js'
import { DbProxyError } from './errors.js'

/**
 * LAF wrote conditions in JavaScript. We accept its `===` / `!==` and the field constraint's `$value`, rewritten outside
 * string literals, so the common LAF rules work unchanged.
 */
export function normalizeCondition(source: string): string {
  let out = ''
  let i = 0
  while (i < source.length) {
    const char = source[i]
    if (char === '"' || char === "'") {
      // Copy a string literal verbatim, honouring backslash escapes.
      let j = i + 1
      while (j < source.length && source[j] !== char) j += source[j] === '\\' ? 2 : 1
      out += source.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (source.startsWith('===', i) || source.startsWith('!==', i)) {
      out += `${char}=`
      i += 3
      continue
    }
    if (char === '$' && /^\$value\b/.test(source.slice(i)) && !/[\w.]$/.test(out)) {
      out += 'value'
      i += 6
      continue
    }
    out += char
    i += 1
  }
  return out
}

export type CompiledCondition = ParseResult & { source: string }

/** Parses a condition; a syntax error becomes an INVALID_POLICY error that points at the rule. */
export function compileCondition(source: unknown, where: string): CompiledCondition {
  if (typeof source !== 'string' || source.trim().length === 0) {
    throw new DbProxyError('INVALID_POLICY', `${where}: a condition must be a non-empty CEL expression string`)
  }
  try {
    const compiled = parse(normalizeCondition(source)) as CompiledCondition
    compiled.source = source
    return compiled
  } catch (error) {
    throw new DbProxyError('INVALID_POLICY', `${where}: the condition ${JSON.stringify(source)} is not valid CEL: ${firstLine(error)}`, {
      cause: error,
    })
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]
}

/** Runs a condition: `null` when it is `true`, else why not. An evaluation error (a missing key, a type mismatch) refuses. */
export function runCondition(condition: CompiledCondition, context: Record<string, unknown>): string | null {
  try {
    const result = condition(context)
    return result === true ? null : `condition ${JSON.stringify(condition.source)} is ${JSON.stringify(result)}`
  } catch (error) {
    return `condition ${JSON.stringify(condition.source)} failed: ${firstLine(error)}`
  }
}

/**
 * Request values as CEL sees them: ObjectIds become hex strings, BSON numbers plain numbers, `undefined` fields disappear.
 * Plain objects are rebuilt without prototypes, so nothing but data is reachable.
 */
export function toCel(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
    case 'bigint':
      return value
    case 'object':
      break
    default:
      return String(value)
  }
  if (depth > 64) return null
  if (Array.isArray(value)) return value.map((item) => toCel(item, depth + 1))
  if (value instanceof Date) return value
  if (value instanceof Uint8Array) return value
  const bsontype = (value as { _bsontype?: string })._bsontype
  if (bsontype) {
    switch (bsontype) {
      case 'ObjectId':
      case 'ObjectID':
        return (value as { toHexString(): string }).toHexString()
      case 'Long':
      case 'Int32':
      case 'Double':
      case 'Decimal128':
        return Number(String(value))
      case 'Binary':
        return (value as { buffer: Uint8Array }).buffer
      default:
        return String(value)
    }
  }
  if (value instanceof RegExp) return value.source
  const out: Record<string, unknown> = Object.create(null)
  for (const [key, inner] of Object.entries(value)) {
    if (inner !== undefined) out[key] = toCel(inner, depth + 1)
  }
  return out
}
