// find, getMore, killCursors, count, distinct, aggregate.
import { createHash } from 'node:crypto'
import { Binary, type Document, Long } from 'bson'
import { ProcessingMode } from 'mingo'
import { pathValues } from '../engine/compare.js'
import { badValue, CommandError } from '../engine/errors.js'
import { evaluateLet, runPipeline } from '../engine/mingo.js'
import { projectDocuments, selectDocuments } from '../engine/query.js'
import { docKey } from '../engine/store.js'
import { idFirst, retype, toNumber, toView, valueKey, viewOf } from '../engine/values.js'
import { type CommandContext, collectionName, type Handler, insertDocument } from './context.js'
import { runUpdate } from './write.js'
import { checkDeadline } from '../engine/deadline.js'
import { explain } from './explain.js'
import { readStages, resolveView } from './views.js'
import { tailableFind } from './capped.js'
import { parseCollation } from '../engine/collation.js'

const find: Handler = (context) => {
  const name = collectionName(context, 'find')
  const command = context.command
  const filter = (command.filter as Document) ?? {}
  if (typeof filter !== 'object' || Array.isArray(filter)) throw badValue('filter must be an object')
  let limit = toNumber(command.limit) ?? 0
  const singleBatch = !!command.singleBatch || limit < 0
  limit = Math.abs(limit)
  if (command.tailable === true) return tailableFind(context, name, filter)
  const view = resolveView(context, name)
  const skip = toNumber(command.skip)
  const documents = view
    ? viewDocuments(context, view, readStages(filter, { sort: command.sort, skip, limit, projection: command.projection }))
    : projectDocuments(
        selectDocuments(context.ws.collection(context.db, name), filter, { sort: command.sort as Document, skip, limit, let: command.let as Document, deadline: context.deadline, collation: command.collation as Document, hint: command.hint }),
        command.projection as Document | undefined,
        filter,
      )
  return context.server.cursors.first(`${context.db}.${name}`, documents, { batchSize: command.batchSize, singleBatch, session: context.session })
}

const getMore: Handler = (context) => {
  const id = context.command.getMore
  if (!Long.isLong(id)) throw new CommandError(14, 'TypeMismatch', 'Field \'getMore\' must be of type long')
  // Not validated as a collection name: database-level cursors live on `$cmd.aggregate` and the like.
  const name = context.command.collection
  if (typeof name !== 'string') throw badValue('collection must be a string')
  return context.server.cursors.getMore(id, `${context.db}.${name}`, context.command)
}

const killCursors: Handler = (context) => context.server.cursors.kill(((context.command.cursors as unknown[]) ?? []).filter(Long.isLong) as Long[])

const count: Handler = (context) => {
  const name = collectionName(context, 'count')
  const command = context.command
  const query = (command.query as Document) ?? {}
  const [skip, limit] = [toNumber(command.skip), toNumber(command.limit)]
  const view = resolveView(context, name)
  const selected = view
    ? viewDocuments(context, view, readStages(query, { skip, limit }))
    : selectDocuments(context.ws.collection(context.db, name), query, { skip, limit, deadline: context.deadline, collation: command.collation as Document, hint: command.hint })
  return { n: selected.length, ok: 1 }
}

const distinct: Handler = (context) => {
  const name = collectionName(context, 'distinct')
  const key = context.command.key
  if (typeof key !== 'string') throw badValue('key must be a string')
  const seen = new Map<string, unknown>()
  const query = (context.command.query as Document) ?? {}
  const view = resolveView(context, name)
  const documents = view
    ? viewDocuments(context, view, readStages(query, {}))
    : selectDocuments(context.ws.collection(context.db, name), query, { deadline: context.deadline, collation: context.command.collation as Document })
  for (const document of documents) {
    for (const value of pathValues(document, key.split('.')).flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      const id = valueKey(value)
      if (!seen.has(id)) seen.set(id, value)
    }
  }
  return { values: [...seen.values()], ok: 1 }
}

/** A read on a view: its pipeline on the source collection, then the read's own stages. */
function viewDocuments(context: CommandContext, view: { source: string; pipeline: Document[] }, stages: Document[]): Document[] {
  const source = selectDocuments(context.ws.collection(context.db, view.source), {}, { deadline: context.deadline })
  return aggregateDocuments(context, source, [...view.pipeline, ...stages])
}

/** The documents a collection holds, as views, for $lookup/$unionWith/$graphLookup. */
function resolver(context: CommandContext) {
  return (name: string) => [...(context.ws.collection(context.db, name)?.docs.values() ?? [])].map(viewOf)
}

/** The pipeline's input, checking the deadline as stages pull documents through. */
function* timed(documents: Document[], deadline: number | undefined): Generator<Document> {
  for (const [index, document] of documents.entries()) {
    if (deadline !== undefined && index % 256 === 0) checkDeadline(deadline)
    yield document
  }
}

/** Runs a pipeline (without its $out/$merge) over stored documents and types the results back to BSON. */
export function aggregateDocuments(context: CommandContext, source: Document[], pipeline: Document[]): Document[] {
  const byId = new Map<string, Document>()
  for (const document of source) byId.set(docKey(document), document)
  let results: Document[]
  try {
    results = runPipeline(timed(source.map(viewOf), context.deadline), toView(pipeline) as Document[], {
      collectionResolver: resolver(context),
      processingMode: ProcessingMode.CLONE_INPUT,
      ...(parseCollation(context.command.collation) ? { collation: context.command.collation as never } : {}),
      variables: evaluateLet(context.command.let as Document | undefined),
    })
  } catch (error) {
    if (error instanceof CommandError) throw error
    throw new CommandError(2, 'BadValue', (error as Error).message)
  }
  return results.map((result) => {
    const hint = result._id !== undefined ? byId.get(valueKey(result._id)) : undefined
    return idFirst(retype(result, hint) as Document)
  })
}

function writeStage(context: CommandContext, stage: Document, results: Document[]) {
  if (stage.$out !== undefined) {
    const target = typeof stage.$out === 'string' ? stage.$out : (stage.$out as Document).coll
    const targetDb = typeof stage.$out === 'string' ? context.db : (((stage.$out as Document).db as string) ?? context.db)
    if (typeof target !== 'string') throw badValue('$out requires a collection name')
    const out = { ...context, db: targetDb }
    const existing = context.ws.collection(targetDb, target)
    if (existing) for (const [key, before] of existing.docs) context.ws.write({ op: 'delete', db: targetDb, coll: target, key, before })
    for (const document of results) insertDocument(out, target, document)
    return
  }
  const spec = typeof stage.$merge === 'string' ? { into: stage.$merge } : (stage.$merge as Document)
  const into = typeof spec.into === 'string' ? { db: context.db, coll: spec.into } : (spec.into as { db?: string; coll: string })
  const target = { ...context, db: into.db ?? context.db }
  const on = (Array.isArray(spec.on) ? spec.on : [spec.on ?? '_id']) as string[]
  const whenMatched = spec.whenMatched ?? 'merge'
  const whenNotMatched = spec.whenNotMatched ?? 'insert'
  for (const document of results) {
    const filter: Document = {}
    for (const field of on) filter[field] = pathValues(document, field.split('.'))[0] ?? null
    const [existing] = selectDocuments(target.ws.collection(target.db, into.coll), filter, { limit: 1 })
    if (!existing) {
      if (whenNotMatched === 'fail') throw new CommandError(13113, 'MergeStageNoMatchingDocument', '$merge could not find a matching document in the target collection')
      if (whenNotMatched === 'insert') insertDocument(target, into.coll, document)
      continue
    }
    if (whenMatched === 'fail') throw mergeDuplicate(target, into.coll, on, filter)
    if (whenMatched === 'keepExisting') continue
    const { _id, ...fields } = document
    const u = Array.isArray(whenMatched) ? whenMatched : whenMatched === 'replace' ? fields : { $set: fields }
    runUpdate(target, into.coll, { q: { _id: existing._id }, u: u as Document })
  }
}

// With no users, every session belongs to the same (empty) user: MongoDB's uid is the SHA-256 of the user name.
const NO_USER_UID = new Binary(createHash('sha256').update('').digest())

/** `{$listLocalSessions: {}}` on `admin` (collection-less): the sessions this server holds, then the rest of the pipeline. */
function listLocalSessions(context: CommandContext, collectionLess: boolean, rest: Document[]): Document {
  if (!collectionLess || context.db !== 'admin') {
    throw new CommandError(50787, 'Location50787', '$listLocalSessions must be run against the \'admin\' database with {aggregate: 1}')
  }
  const sessions = context.server.sessions.list().map(({ id, lastUsed }) => ({ _id: { id, uid: NO_USER_UID }, lastUse: new Date(lastUsed) }))
  const results = rest.length ? aggregateDocuments(context, sessions, rest) : sessions
  return context.server.cursors.first('admin.$cmd.aggregate', results, { batchSize: (context.command.cursor as Document | undefined)?.batchSize, session: context.session })
}

/** $merge with whenMatched 'fail': MongoDB's duplicate key error on the index behind the `on` fields. */
function mergeDuplicate(context: CommandContext, coll: string, on: string[], keyValue: Document): CommandError {
  const keyPattern = Object.fromEntries(on.map((field) => [field, 1]))
  const index = context.ws.collection(context.db, coll)?.indexes.find((spec) => valueKey(Object.keys(spec.key)) === valueKey(on))
  const shown = on.map((field) => `${field}: ${JSON.stringify(toView(keyValue[field]))}`).join(', ')
  return new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${context.db}.${coll} index: ${index?.name ?? '_id_'} dup key: { ${shown} }`, {
    keyPattern,
    keyValue,
  })
}

const aggregate: Handler = (context) => {
  const command = context.command
  const pipeline = command.pipeline
  if (!Array.isArray(pipeline)) throw badValue("'pipeline' option must be specified as an array")
  const first = pipeline[0] as Document | undefined
  if (first && '$changeStream' in first) return context.server.changes.open(context, pipeline as Document[])
  const collectionLess = command.aggregate === 1 || (typeof command.aggregate === 'object' && toNumber(command.aggregate) === 1)
  if (first && '$listLocalSessions' in first) return listLocalSessions(context, collectionLess, pipeline.slice(1) as Document[])
  const name = collectionLess ? '' : collectionName(context, 'aggregate')
  const last = pipeline[pipeline.length - 1] as Document | undefined
  const writes = last && ('$out' in last || '$merge' in last)
  const stages = (writes ? pipeline.slice(0, -1) : pipeline) as Document[]
  // Leading $match stages run on the stored documents (fast `_id` path, BSON-aware `$type`); mingo runs the rest.
  let leading = 0
  const filters: Document[] = []
  while (leading < stages.length && Object.keys(stages[leading]!).length === 1 && '$match' in stages[leading]!) filters.push(stages[leading++]!.$match as Document)
  const filter = filters.length === 0 ? {} : filters.length === 1 ? filters[0]! : { $and: filters }
  const view = collectionLess ? undefined : resolveView(context, name)
  const state = context.ws.collection(context.db, view ? view.source : name)
  let results: Document[]
  if (view) results = aggregateDocuments(context, selectDocuments(state, {}, { deadline: context.deadline }), [...view.pipeline, ...stages])
  else {
    const source = collectionLess ? [] : selectDocuments(state, filter, { let: command.let as Document, deadline: context.deadline, collation: command.collation as Document, hint: command.hint })
    results = leading === stages.length ? source : aggregateDocuments(context, source, stages.slice(leading))
  }
  checkDeadline(context.deadline)
  if (writes) {
    writeStage(context, last, results)
    return context.server.cursors.first(`${context.db}.${name}`, [])
  }
  const batchSize = (command.cursor as Document | undefined)?.batchSize
  return context.server.cursors.first(`${context.db}.${collectionLess ? '$cmd.aggregate' : name}`, results, { batchSize, session: context.session })
}

export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct, aggregate, explain }
