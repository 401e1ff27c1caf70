// Turns builder input (plain objects, BSON values and `db.command` markers) into MongoDB filters and update documents.
// Follows LAF database-ql: nested plain objects in a filter or update become dotted paths, so `{a: {b: 1}}` matches or sets
// `a.b` without replacing the rest of `a`.
import { CloudError } from '../errors.js'
import { isPlainObject as isPlain } from '../plain.js'
import { DbCommand } from './command.js'

type Doc = Record<string, unknown>

/** True for `{}`-style objects: not arrays, dates, ObjectIds, RegExps or other class instances. */
export function isPlainObject(value: unknown): value is Doc {
  return isPlain(value)
}

function hasOperatorKey(value: Doc): boolean {
  return Object.keys(value).some((key) => key.startsWith('$'))
}

/** `{a: {b: 1, c: {$gt: 2}}}` → `{'a.b': 1, 'a.c': {$gt: 2}}`; commands and operator objects are kept as leaves. */
function flatten(input: Doc, prefix: string, out: Doc): Doc {
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    const path = prefix ? `${prefix}.${key}` : key
    if (key.startsWith('$') || !isPlainObject(value) || hasOperatorKey(value) || Object.keys(value).length === 0) {
      out[path] = value
    } else {
      flatten(value, path, out)
    }
  }
  return out
}

/** A `where()` argument → a MongoDB filter. */
export function encodeQuery(input: unknown): Doc {
  if (DbCommand.is(input)) {
    if (input.kind !== 'logic' || input.operator === '$not') {
      throw new CloudError('INVALID_ARGUMENT', `${input.operator} needs a field: write where({field: _.${input.operator.slice(1)}(…)})`)
    }
    return { [input.operator]: input.operands.map((operand) => encodeQuery(operand)) }
  }
  if (!isPlainObject(input)) throw new CloudError('INVALID_ARGUMENT', 'where(query) expects an object or a db.command logic operator')
  const flat = flatten(input, '', {})
  const out: Doc = {}
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith('$')) {
      // A raw logic operator: `{$or: [{…}, {…}]}` — its operands are filters themselves.
      out[key] = Array.isArray(value) ? value.map((item) => (isPlainObject(item) || DbCommand.is(item) ? encodeQuery(item) : item)) : value
      continue
    }
    mergeCondition(out, encodeField(key, value))
  }
  return out
}

function mergeCondition(target: Doc, condition: Doc): void {
  for (const [key, value] of Object.entries(condition)) {
    const existing = target[key]
    if (key === '$and' && Array.isArray(existing) && Array.isArray(value)) target[key] = [...existing, ...value]
    else if (isPlainObject(existing) && isPlainObject(value)) target[key] = { ...existing, ...value }
    else target[key] = value
  }
}

/** One field's condition: a literal, or a query/logic command. */
function encodeField(field: string, value: unknown): Doc {
  if (!DbCommand.is(value)) return { [field]: value }
  if (value.kind === 'update') {
    throw new CloudError('INVALID_ARGUMENT', `${value.operator} is an update operator; use it in update(), not in where()`)
  }
  if (value.kind === 'query') return { [field]: encodeOperator(value) }
  if (value.operator === '$not') {
    const [inner] = value.operands
    if (!DbCommand.is(inner) || inner.kind !== 'query') {
      throw new CloudError('INVALID_ARGUMENT', 'db.command.not(condition) expects a query operator such as _.gt(1)')
    }
    return { [field]: { $not: encodeOperator(inner) } }
  }
  // Field-level and/or/nor: each operand applies to this field.
  return {
    [value.operator]: value.operands.map((operand) =>
      DbCommand.is(operand) ? encodeField(field, operand) : isPlainObject(operand) ? encodeQuery(operand) : { [field]: operand },
    ),
  }
}

function encodeOperator(command: DbCommand): Doc {
  const [first] = command.operands
  switch (command.operator) {
    case '$like':
      return { ...(first as Doc) }
    case '$elemMatch':
      return { $elemMatch: encodeQuery(first) }
    default:
      return { [command.operator]: first }
  }
}

/** An `update()` argument (merge mode) → an update document with operators. Plain fields become `$set`. */
export function encodeUpdate(input: unknown): Doc {
  if (!isPlainObject(input)) throw new CloudError('INVALID_ARGUMENT', 'update(data) expects an object')
  const out: Record<string, Doc> = {}
  const add = (operator: string, field: string, value: unknown) => {
    out[operator] ??= {}
    out[operator][field] = value
  }
  for (const [key, value] of Object.entries(flatten(input, '', {}))) {
    if (key.startsWith('$')) {
      // A raw operator (`{$inc: {n: 1}}`) is passed on, merged with what the fields produce.
      if (!isPlainObject(value)) throw new CloudError('INVALID_ARGUMENT', `update operator ${key} expects an object`)
      for (const [field, operand] of Object.entries(value)) add(key, field, operand)
      continue
    }
    if (DbCommand.is(value)) {
      if (value.kind !== 'update') {
        throw new CloudError('INVALID_ARGUMENT', `${value.operator} is a query operator; use it in where(), not in update()`)
      }
      add(value.operator, key, value.operands[0])
    } else {
      add('$set', key, value)
    }
  }
  if (Object.keys(out).length === 0) throw new CloudError('INVALID_ARGUMENT', 'update(data) needs at least one field')
  return out
}

/** A document for add() or set(): commands are not allowed in it. */
export function assertNoCommands(value: unknown, where: string, depth = 0): void {
  if (depth > 64) return
  if (DbCommand.is(value)) throw new CloudError('INVALID_ARGUMENT', `${where} cannot contain db.command operators (${value.operator})`)
  if (Array.isArray(value)) for (const item of value) assertNoCommands(item, where, depth + 1)
  else if (isPlainObject(value)) for (const item of Object.values(value)) assertNoCommands(item, where, depth + 1)
}
