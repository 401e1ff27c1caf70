// `db.command`: LAF database-ql's operator helpers. A command is a marker object the encoders turn into MongoDB operators
// when the request is built, so `where({age: _.gt(18)})` and `update({likes: _.inc(1)})` read naturally.
import { CloudError } from '../errors.js'
import { isPlainObject } from '../plain.js'

export type CommandKind = 'query' | 'logic' | 'update'

// A registry-wide symbol, so a command made by another copy of this package is still recognised.
const COMMAND = Symbol.for('scraping-run.cloud.db-command')

export class DbCommand {
  readonly kind: CommandKind
  /** The MongoDB operator, e.g. `$gt`, `$and`, `$inc`. */
  readonly operator: string
  readonly operands: unknown[]

  constructor(kind: CommandKind, operator: string, operands: unknown[]) {
    this.kind = kind
    this.operator = operator
    this.operands = operands
    Object.defineProperty(this, COMMAND, { value: true })
  }

  /** `_.gt(1).and(_.lt(5))`: both must hold for the field. */
  and(...conditions: unknown[]): DbCommand {
    return new DbCommand('logic', '$and', [this, ...flat(conditions)])
  }

  /** `_.lt(1).or(_.gt(5))`: either holds for the field. */
  or(...conditions: unknown[]): DbCommand {
    return new DbCommand('logic', '$or', [this, ...flat(conditions)])
  }

  static is(value: unknown): value is DbCommand {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[COMMAND] === true
  }
}

function flat(args: unknown[]): unknown[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : args
}

const query = (operator: string, ...operands: unknown[]) => new DbCommand('query', operator, operands)
const update = (operator: string, ...operands: unknown[]) => new DbCommand('update', operator, operands)

function list(name: string, values: unknown): unknown[] {
  if (!Array.isArray(values)) throw new CloudError('INVALID_ARGUMENT', `db.command.${name}(values) expects an array`)
  return values
}

export interface PushOptions {
  each: unknown[]
  position?: number
  sort?: unknown
  slice?: number
}

/** The operators of `db.command` (LAF names; `neq` is MongoDB's `$ne`, `remove` is `$unset`). */
export const command = Object.freeze({
  eq: (value: unknown) => query('$eq', value),
  neq: (value: unknown) => query('$ne', value),
  gt: (value: unknown) => query('$gt', value),
  gte: (value: unknown) => query('$gte', value),
  lt: (value: unknown) => query('$lt', value),
  lte: (value: unknown) => query('$lte', value),
  in: (values: unknown[]) => query('$in', list('in', values)),
  nin: (values: unknown[]) => query('$nin', list('nin', values)),
  all: (values: unknown[]) => query('$all', list('all', values)),
  exists: (value = true) => query('$exists', Boolean(value)),
  size: (value: number) => query('$size', value),
  elemMatch: (condition: Record<string, unknown>) => query('$elemMatch', condition),
  /** SQL-style pattern: `%` is any run of characters, `_` one character; matched case-insensitively as a whole. */
  like: (pattern: string) => query('$like', likeToRegex(pattern)),
  and: (...conditions: unknown[]) => new DbCommand('logic', '$and', flat(conditions)),
  or: (...conditions: unknown[]) => new DbCommand('logic', '$or', flat(conditions)),
  nor: (...conditions: unknown[]) => new DbCommand('logic', '$nor', flat(conditions)),
  not: (condition: unknown) => new DbCommand('logic', '$not', [condition]),

  set: (value: unknown) => update('$set', value),
  remove: () => update('$unset', ''),
  inc: (value: number) => update('$inc', value),
  mul: (value: number) => update('$mul', value),
  max: (value: unknown) => update('$max', value),
  min: (value: unknown) => update('$min', value),
  rename: (newName: string) => update('$rename', newName),
  /** `push(1, 2)`, `push([1, 2])` or `push({each, position, sort, slice})`. */
  push: (...values: unknown[]) => {
    const first = values[0]
    if (values.length === 1 && isPlain(first) && 'each' in first) {
      const options = first as unknown as PushOptions
      const modifiers: Record<string, unknown> = { $each: list('push', options.each) }
      if (options.position !== undefined) modifiers.$position = options.position
      if (options.sort !== undefined) modifiers.$sort = options.sort
      if (options.slice !== undefined) modifiers.$slice = options.slice
      return update('$push', modifiers)
    }
    return update('$push', { $each: flat(values) })
  },
  pull: (condition: unknown) => update('$pull', condition),
  pullAll: (values: unknown[]) => update('$pullAll', list('pullAll', values)),
  addToSet: (value: unknown) =>
    update('$addToSet', isPlain(value) && 'each' in value ? { $each: list('addToSet', value.each) } : value),
  pop: () => update('$pop', 1),
  shift: () => update('$pop', -1),
  unshift: (...values: unknown[]) => update('$push', { $each: flat(values), $position: 0 }),
})

export type Command = typeof command

function isPlain(value: unknown): value is Record<string, unknown> {
  return !DbCommand.is(value) && isPlainObject(value)
}

function likeToRegex(pattern: string): { $regex: string; $options: string } {
  if (typeof pattern !== 'string') throw new CloudError('INVALID_ARGUMENT', 'db.command.like(pattern) expects a string')
  let source = '^'
  for (const char of pattern) {
    if (char === '%') source += '.*'
    else if (char === '_') source += '.'
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return { $regex: `${source}$`, $options: 'is' }
}
