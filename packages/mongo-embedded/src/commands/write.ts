// insert, update, delete, findAndModify.
import { BSON, type Document, ObjectId } from 'bson'
import { badValue, CommandError } from '../engine/errors.js'
import { projectDocuments, selectDocuments } from '../engine/query.js'
import { checkUnique, docKey } from '../engine/store.js'
import { evaluateLet } from '../engine/mingo.js'
import { validateWrite } from '../engine/validation.js'
import { assertNotView } from './views.js'
import { applyUpdate, isOperatorUpdate, seedFromFilter } from '../engine/update.js'
import { bsonType, idFirst, toNumber } from '../engine/values.js'
import { checkSize, type CommandContext, collectionName, ensureCollection, type Handler, insertDocument, writeError } from './context.js'

/**
 * Runs each statement of `field` (`documents`, `updates`, `deletes`), collecting per-statement write errors; an ordered
 * command stops at the first one, as MongoDB does.
 */
function eachStatement(context: CommandContext, field: string, run: (statement: Document, index: number) => void): Document[] {
  const list = context.command[field]
  if (!Array.isArray(list)) throw badValue(`${field} must be an array`)
  const ordered = context.command.ordered !== false
  const writeErrors: Document[] = []
  for (const [index, statement] of (list as Document[]).entries()) {
    try {
      run(statement, index)
    } catch (error) {
      writeErrors.push(writeError(error, index))
      if (ordered) break
    }
  }
  return writeErrors
}

const insert: Handler = (context) => {
  const name = collectionName(context, 'insert')
  let n = 0
  const writeErrors = eachStatement(context, 'documents', (document) => {
    insertDocument(context, name, document)
    n++
  })
  return writeErrors.length ? { n, writeErrors, ok: 1 } : { n, ok: 1 }
}

function isPlainObject(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !bsonType(value) && !(value instanceof Date)
}

/** Shallow-by-path difference between two versions of a document, as change events report it. */
export function updateDescription(before: Document, after: Document, prefix = ''): { updatedFields: Document; removedFields: string[]; truncatedArrays: Document[] } {
  const result = { updatedFields: {} as Document, removedFields: [] as string[], truncatedArrays: [] as Document[] }
  for (const key of Object.keys(after)) {
    const old = before[key]
    const value = after[key]
    if (isPlainObject(old) && isPlainObject(value)) {
      const nested = updateDescription(old, value, `${prefix}${key}.`)
      Object.assign(result.updatedFields, nested.updatedFields)
      result.removedFields.push(...nested.removedFields)
    } else if (old === undefined || !sameValue(old, value)) result.updatedFields[`${prefix}${key}`] = value
  }
  for (const key of Object.keys(before)) if (!(key in after)) result.removedFields.push(`${prefix}${key}`)
  return result
}

function sameValue(a: unknown, b: unknown): boolean {
  return Buffer.from(BSON.serialize({ v: a })).equals(Buffer.from(BSON.serialize({ v: b })))
}

interface UpdateStatement {
  q?: Document
  u: Document | Document[]
  upsert?: boolean
  multi?: boolean
  arrayFilters?: Document[]
  sort?: Document
  collation?: Document
  hint?: unknown
}

interface UpdateOutcome {
  n: number
  nModified: number
  upserted?: unknown
  before?: Document
  after?: Document
}

/** One update statement (also used by findAndModify and bulkWrite). */
export function runUpdate(context: CommandContext, name: string, statement: UpdateStatement): UpdateOutcome {
  const filter = statement.q ?? {}
  const update = statement.u
  if (update === null || typeof update !== 'object') throw badValue('update must be an object or a pipeline')
  if (statement.multi && !Array.isArray(update) && !isOperatorUpdate(update) && Object.keys(update).length) {
    throw new CommandError(9, 'FailedToParse', 'multi update is not supported for replacement-style update')
  }
  assertNotView(context, name)
  const state = context.ws.collection(context.db, name)
  const variables = evaluateLet(context.command.let as Document | undefined)
  const matched = selectDocuments(state, filter, { limit: statement.multi ? 0 : 1, sort: statement.sort, let: context.command.let, deadline: context.deadline, collation: statement.collation, hint: statement.hint })
  if (matched.length === 0) {
    if (!statement.upsert) return { n: 0, nModified: 0 }
    const seed = idFirst(seedFromFilter(filter))
    let document = applyUpdate(seed, update, { inserting: true, arrayFilters: statement.arrayFilters, variables })
    if (!Array.isArray(update) && !isOperatorUpdate(update) && seed._id !== undefined) document = idFirst({ ...document, _id: seed._id })
    if (document._id === undefined) document = idFirst({ ...document, _id: new ObjectId() })
    const inserted = insertDocument(context, name, document)
    return { n: 1, nModified: 0, upserted: inserted._id, after: inserted }
  }
  let nModified = 0
  let first: UpdateOutcome | undefined
  // The filter (for positional `$`) is matched by mingo without the collation, so a collated update goes without it.
  for (const before of matched) {
    const after = applyUpdate(before, update, { arrayFilters: statement.arrayFilters, filter: statement.collation ? undefined : filter, variables })
    const changed = !sameValue(before, after)
    if (changed) {
      checkSize(after)
      const live = context.ws.collection(context.db, name)!
      checkUnique(live, after)
      validateWrite(live.options, after, before, context.command)
      const replace = !Array.isArray(update) && !isOperatorUpdate(update)
      context.ws.write({
        op: 'put',
        db: context.db,
        coll: name,
        doc: after,
        before,
        kind: replace ? 'replace' : 'update',
        updateDescription: replace ? undefined : updateDescription(before, after),
      })
      nModified++
    }
    first ??= { n: 0, nModified: 0, before, after }
  }
  return { n: matched.length, nModified, before: first?.before, after: first?.after }
}

const update: Handler = (context) => {
  const name = collectionName(context, 'update')
  // `sort` on update statements came with MongoDB 8.0; the 7.0 this server claims refuses the whole command.
  const statements = context.command.updates
  if (Array.isArray(statements) && statements.some((statement) => statement && typeof statement === 'object' && 'sort' in statement)) {
    throw new CommandError(40415, 'Location40415', "BSON field 'update.updates.sort' is an unknown field.")
  }
  const upserted: Document[] = []
  let n = 0
  let nModified = 0
  const writeErrors = eachStatement(context, 'updates', (statement, index) => {
    const outcome = runUpdate(context, name, statement as UpdateStatement)
    n += outcome.n
    nModified += outcome.nModified
    if (outcome.upserted !== undefined) upserted.push({ index, _id: outcome.upserted })
  })
  const reply: Document = { n, nModified, ok: 1 }
  if (upserted.length) reply.upserted = upserted
  if (writeErrors.length) reply.writeErrors = writeErrors
  return reply
}

/** One delete statement; returns the deleted documents. */
export function runDelete(context: CommandContext, name: string, filter: Document, limit: number, sort?: Document, collation?: Document): Document[] {
  assertNotView(context, name)
  const state = context.ws.collection(context.db, name)
  const matched = selectDocuments(state, filter, { limit, sort, let: context.command.let, deadline: context.deadline, collation })
  for (const before of matched) context.ws.write({ op: 'delete', db: context.db, coll: name, key: docKey(before), before })
  return matched
}

const remove: Handler = (context) => {
  const name = collectionName(context, 'delete')
  let n = 0
  const writeErrors = eachStatement(context, 'deletes', (statement) => {
    n += runDelete(context, name, statement.q ?? {}, toNumber(statement.limit) ?? 0, undefined, statement.collation as Document | undefined).length
  })
  return writeErrors.length ? { n, writeErrors, ok: 1 } : { n, ok: 1 }
}

const findAndModify: Handler = (context) => {
  const name = collectionName(context, context.command.findAndModify !== undefined ? 'findAndModify' : 'findandmodify')
  const command = context.command
  const filter = (command.query as Document) ?? {}
  const project = (document: Document | undefined) => (document && command.fields ? projectDocuments([document], command.fields as Document)[0] : document) ?? null
  if (command.remove) {
    if (command.update !== undefined) throw badValue('Cannot specify both an update and remove=true')
    const [removed] = runDelete(context, name, filter, 1, command.sort as Document | undefined, command.collation as Document | undefined)
    return { lastErrorObject: { n: removed ? 1 : 0 }, value: project(removed), ok: 1 }
  }
  if (command.update === undefined) throw new CommandError(9, 'FailedToParse', 'Either an update or remove=true must be specified')
  ensureCollection(context, name)
  const outcome = runUpdate(context, name, {
    q: filter,
    u: command.update as Document,
    upsert: !!command.upsert,
    arrayFilters: command.arrayFilters as Document[] | undefined,
    sort: command.sort as Document | undefined,
    collation: command.collation as Document | undefined,
  })
  const lastErrorObject: Document = { n: outcome.n, updatedExisting: outcome.upserted === undefined && outcome.n > 0 }
  if (outcome.upserted !== undefined) lastErrorObject.upserted = outcome.upserted
  const value = command.new ? outcome.after : outcome.upserted !== undefined ? undefined : outcome.before
  return { lastErrorObject, value: project(value), ok: 1 }
}

export const writeCommands: Record<string, Handler> = {
  insert,
  update,
  delete: remove,
  findAndModify,
  findandmodify: findAndModify,
}
