// Update documents: operators run by mingo on a view, with the checks and operators mingo lacks done here, and results
// typed back to BSON (a $set value keeps the type the client sent; $inc widens Int32 → Long → Double → Decimal128).
import { type Document, ObjectId } from 'bson'
import { update as mingoUpdate } from 'mingo/updater'
import { badValue, CommandError, typeMismatch } from './errors.js'
import { mingoOptions, runPipeline, typeAlias } from './mingo.js'
import { arithmeticResult, bsonType, idFirst, isNumeric, retype, toNumber, toView, valueKey, viewOf } from './values.js'

const PIPELINE_UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith'])

export function isOperatorUpdate(update: Document): boolean {
  const keys = Object.keys(update)
  return keys.length > 0 && keys[0]!.startsWith('$')
}

function deepClone<T>(value: T): T {
  if (value === null || typeof value !== 'object' || bsonType(value) || value instanceof Date || value instanceof RegExp) return value
  if (Array.isArray(value)) return value.map(deepClone) as T
  const out: Document = {}
  for (const key of Object.keys(value)) out[key] = deepClone((value as Document)[key])
  return out as T
}

function getPath(document: unknown, path: string[]): unknown {
  let current = document
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Document)[key]
  }
  return current
}

/** Writes `value` at a dotted path of a plain (hint) tree, creating objects on the way. */
function setPath(target: Document, path: string[], value: unknown) {
  let current: Document = target
  for (const key of path.slice(0, -1)) {
    const next = current[key]
    if (next === null || typeof next !== 'object' || bsonType(next)) current[key] = {}
    current = current[key] as Document
  }
  current[path[path.length - 1]!] = value
}

const positional = (path: string) => /(^|\.)\$(\[[^\]]*\])?(\.|$)/.test(path)

function describeId(document: Document): string {
  const id = document._id
  return `{_id: ${id instanceof ObjectId ? `ObjectId('${id.toHexString()}')` : JSON.stringify(toView(id))}}`
}

/** MongoDB refuses what mingo silently ignores: arithmetic on non-numbers and array operators on non-arrays. */
function validate(document: Document, update: Document) {
  for (const [op, fields] of Object.entries(update)) {
    if (!op.startsWith('$')) throw badValue(`Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`)
    if (fields === null || typeof fields !== 'object') throw new CommandError(9, 'FailedToParse', `Modifiers operate on fields but we found type ${typeAlias(fields)} instead.`)
    for (const [path, operand] of Object.entries(fields as Document)) {
      if (path === '_id' || path.startsWith('_id.')) {
        if (op === '$set' || op === '$setOnInsert') {
          if (valueKey(getPath(document, path.split('.'))) === valueKey(operand) || document._id === undefined) continue
        }
        if (op !== '$setOnInsert') throw new CommandError(66, 'ImmutableField', `Performing an update on the path '_id' would modify the immutable field '_id'`)
      }
      if (positional(path)) continue
      const current = getPath(document, path.split('.'))
      if ((op === '$inc' || op === '$mul') && !isNumeric(operand)) {
        throw typeMismatch(`Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(toView(operand))}}`)
      }
      if ((op === '$inc' || op === '$mul') && current !== undefined && current !== null && !isNumeric(current)) {
        throw typeMismatch(`Cannot apply ${op} to a value of non-numeric type. ${describeId(document)} has the field '${path}' of non-numeric type ${typeAlias(current)}`)
      }
      if ((op === '$push' || op === '$addToSet' || op === '$pop' || op === '$pull' || op === '$pullAll') && current !== undefined && !Array.isArray(current)) {
        throw badValue(`The field '${path}' must be an array but is of type ${typeAlias(current)} in document ${describeId(document)}`)
      }
    }
  }
}

/** The BSON-typed values the update itself carries, laid over the old document, so `retype` can keep them. */
function typeHints(before: Document, after: Document, update: Document): Document {
  const hints = deepClone(before)
  for (const [op, fields] of Object.entries(update)) {
    for (const [path, operand] of Object.entries(fields as Document)) {
      if (positional(path)) continue
      const parts = path.split('.')
      if (op === '$set' || op === '$setOnInsert' || op === '$max' || op === '$min') setPath(hints, parts, operand)
      else if (op === '$inc' || op === '$mul') {
        const result = toNumber(getPath(viewOf(after), parts))
        if (result !== undefined) setPath(hints, parts, arithmeticResult(result, getPath(before, parts) ?? operand, operand))
      } else if (op === '$push' || op === '$addToSet') {
        const old = getPath(before, parts)
        const each = operand !== null && typeof operand === 'object' && '$each' in (operand as Document) ? ((operand as Document).$each as unknown[]) : [operand]
        if (!(operand as Document)?.$position && !(operand as Document)?.$sort) setPath(hints, parts, [...(Array.isArray(old) ? old : []), ...each])
      }
    }
  }
  return hints
}

export interface UpdateOptions {
  arrayFilters?: Document[]
  filter?: Document
  /** True when the update creates the document (upsert): `$setOnInsert` then applies. */
  inserting?: boolean
  /** The command's `let` variables, already evaluated (views). */
  variables?: Document
}

/** Applies an update document, a replacement or a pipeline to a stored document and returns the new stored document. */
export function applyUpdate(before: Document, update: Document | Document[], options: UpdateOptions = {}): Document {
  if (Array.isArray(update)) {
    // Run as an aggregation over the one document: mingo's updater trips over field names with '$' or '.' here.
    for (const stage of update) {
      const name = Object.keys(stage ?? {})[0] ?? ''
      if (!PIPELINE_UPDATE_STAGES.has(name)) throw new CommandError(72, 'InvalidOptions', `${name} is not allowed to be used within an update`)
    }
    let result: Document | undefined
    try {
      ;[result] = runPipeline([deepClone(viewOf(before))], toView(update) as Document[], { variables: options.variables })
    } catch (error) {
      throw badValue((error as Error).message)
    }
    return finish(before, retype(result ?? {}, before) as Document)
  }
  if (!isOperatorUpdate(update)) {
    for (const key of Object.keys(update)) if (key.startsWith('$')) throw badValue(`The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document.`)
    if (update._id !== undefined && before._id !== undefined && valueKey(update._id) !== valueKey(before._id)) {
      throw new CommandError(66, 'ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(toView(update._id))}`)
    }
    // No `_id` key at all when neither has one: an upsert then gives the new document an ObjectId.
    return finish(before, before._id !== undefined ? { _id: before._id, ...update } : { ...update })
  }
  validate(before, update)
  const { $setOnInsert, ...rest } = update
  const effective: Document = { ...rest }
  if (options.inserting && $setOnInsert) effective.$set = { ...(effective.$set as Document), ...($setOnInsert as Document) }
  const view = deepClone(viewOf(before))
  if (Object.keys(effective).length > 0) {
    try {
      mingoUpdate(view, toView(effective) as never, options.arrayFilters?.map((filter) => toView(filter) as Document), options.filter ? (toView(options.filter) as Document) : undefined, {
        cloneMode: 'deep',
        queryOptions: mingoOptions({ variables: options.variables }),
      })
    } catch (error) {
      if (error instanceof CommandError) throw error
      throw badValue((error as Error).message)
    }
  }
  return finish(before, retype(view, typeHints(before, view, effective)) as Document)
}

function finish(before: Document, after: Document): Document {
  if (before._id !== undefined) after._id = before._id
  return idFirst(after)
}

/** The document an upsert starts from: the equality fields of its filter (including inside `$and`). */
export function seedFromFilter(filter: Document): Document {
  const seed: Document = {}
  const visit = (query: Document) => {
    for (const [key, value] of Object.entries(query)) {
      if (key === '$and' && Array.isArray(value)) value.forEach((part) => visit(part as Document))
      else if (key.startsWith('$')) continue
      else if (value !== null && typeof value === 'object' && !Array.isArray(value) && !bsonType(value) && !(value instanceof Date) && !(value instanceof RegExp)) {
        const keys = Object.keys(value)
        if (keys.length === 1 && keys[0] === '$eq') setPath(seed, key.split('.'), (value as Document).$eq)
        else if (!keys.some((k) => k.startsWith('$'))) setPath(seed, key.split('.'), value)
      } else if (!(value instanceof RegExp)) setPath(seed, key.split('.'), value)
    }
  }
  visit(filter)
  return seed
}
