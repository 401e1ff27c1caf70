// Collections, indexes and databases.
import { BSON, type Document, UUID } from 'bson'
import { badValue, CommandError, namespaceNotFound } from '../engine/errors.js'
import { matcher } from '../engine/query.js'
import { buildUnique, type IndexSpec } from '../engine/store.js'
import { toNumber, valueKey } from '../engine/values.js'
import { collectionName, type Handler } from './context.js'
import { checkValidatorOptions } from '../engine/validation.js'
import { assertNotView, checkViewOptions, isView } from './views.js'
import { checkCappedOptions } from './capped.js'

const create: Handler = (context) => {
  const name = collectionName(context, 'create')
  if (context.ws.collection(context.db, name)) throw new CommandError(48, 'NamespaceExists', `Collection ${context.db}.${name} already exists.`)
  const { create: _, $db, lsid, txnNumber, autocommit, startTransaction, $clusterTime, writeConcern, ...options } = context.command
  checkValidatorOptions(options)
  checkViewOptions(options)
  checkCappedOptions(options)
  if (options.clusteredIndex !== undefined) options.clusteredIndex = clusteredIndex(options.clusteredIndex)
  if (options.viewOn !== undefined) options.pipeline ??= []
  context.ws.write({ op: 'create', db: context.db, coll: name, options, uuid: new UUID() })
  return { ok: 1 }
}

/** `clusteredIndex` of a create: only `{key: {_id: 1}, unique: true}` exists, as in MongoDB. */
function clusteredIndex(spec: unknown): Document {
  const index = spec as Document
  if (index === null || typeof index !== 'object' || valueKey(index.key) !== valueKey({ _id: 1 }) || index.unique !== true) {
    throw badValue("The clusteredIndex option must be { key: { _id: 1 }, unique: true }")
  }
  return { v: 2, key: { _id: 1 }, name: typeof index.name === 'string' ? index.name : '_id_', unique: true }
}

const drop: Handler = (context) => {
  const name = collectionName(context, 'drop')
  const state = context.ws.collection(context.db, name)
  if (!state) return { ok: 1 }
  context.ws.write({ op: 'drop', db: context.db, coll: name })
  return { ns: `${context.db}.${name}`, nIndexesWas: state.indexes.length, ok: 1 }
}

const listCollections: Handler = (context) => {
  const entries = context.ws
    .collections(context.db)
    .map((state) =>
      isView(state)
        ? { name: state.name, type: 'view', options: state.options, info: { readOnly: true } }
        : {
            name: state.name, type: 'collection', options: state.options, info: { readOnly: false, uuid: state.uuid },
            ...(state.options.clusteredIndex ? {} : { idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } }),
          },
    )
    .filter(matcher((context.command.filter as Document) ?? {}))
    .map((entry) => (context.command.nameOnly ? { name: entry.name, type: entry.type } : entry))
  return context.server.cursors.first(`${context.db}.$cmd.listCollections`, entries, { batchSize: (context.command.cursor as Document)?.batchSize })
}

function defaultName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${toNumber(direction) ?? direction}`)
    .join('_')
}

const createIndexes: Handler = (context) => {
  const name = collectionName(context, 'createIndexes')
  const specs = context.command.indexes
  if (!Array.isArray(specs) || specs.length === 0) throw badValue('Must specify at least one index to create')
  assertNotView(context, name)
  let state = context.ws.collection(context.db, name)
  const createdCollectionAutomatically = !state
  if (!state) {
    context.ws.write({ op: 'create', db: context.db, coll: name, options: {}, uuid: new UUID() })
    state = context.ws.collection(context.db, name)!
  }
  const before = state.indexes.length
  for (const input of specs as Document[]) {
    if (!input?.key || typeof input.key !== 'object' || Object.keys(input.key).length === 0) throw new CommandError(67, 'CannotCreateIndex', 'Index key pattern must be a non-empty object')
    const spec: IndexSpec = { v: 2, ...input, key: input.key as Document, name: (input.name as string) ?? defaultName(input.key as Document) }
    const existing = state.indexes.find((index) => index.name === spec.name)
    const sameKey = state.indexes.find((index) => valueKey(index.key) === valueKey(spec.key))
    if (existing) {
      if (valueKey(existing.key) !== valueKey(spec.key)) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(spec)}`)
      }
      if (!!existing.unique !== !!spec.unique) throw new CommandError(85, 'IndexOptionsConflict', `An equivalent index already exists with the same name but different options.`)
      continue
    }
    if (sameKey && !!sameKey.unique === !!spec.unique) {
      throw new CommandError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`)
    }
    // Fails with 11000 before anything changes when the data already violates a unique index.
    if (spec.unique) buildUnique(state, spec)
    context.ws.write({ op: 'createIndex', db: context.db, coll: name, spec })
    state = context.ws.collection(context.db, name)!
  }
  const after = state.indexes.length
  const reply: Document = { numIndexesBefore: before, numIndexesAfter: after, createdCollectionAutomatically, ok: 1 }
  if (before === after) reply.note = 'all indexes already exist'
  return reply
}

const listIndexes: Handler = (context) => {
  const name = collectionName(context, 'listIndexes')
  assertNotView(context, name)
  const state = context.ws.collection(context.db, name)
  if (!state) throw namespaceNotFound(`ns does not exist: ${context.db}.${name}`)
  // A clustered collection lists its _id index as the clustered index it is.
  const clustered = state.options.clusteredIndex as Document | undefined
  const indexes = clustered ? state.indexes.map((spec) => (spec.name === '_id_' ? { ...clustered, clustered: true } : spec)) : state.indexes
  return context.server.cursors.first(`${context.db}.${name}`, indexes, { batchSize: (context.command.cursor as Document)?.batchSize })
}

const dropIndexes: Handler = (context) => {
  const name = collectionName(context, 'dropIndexes')
  assertNotView(context, name)
  const state = context.ws.collection(context.db, name)
  if (!state) throw namespaceNotFound(`ns not found ${context.db}.${name}`)
  const wanted = context.command.index
  const was = state.indexes.length
  let names: string[]
  if (wanted === '*') names = state.indexes.filter((index) => index.name !== '_id_').map((index) => index.name)
  else if (typeof wanted === 'string') names = [wanted]
  else if (Array.isArray(wanted)) names = wanted as string[]
  else if (wanted && typeof wanted === 'object') {
    const found = state.indexes.find((index) => valueKey(index.key) === valueKey(wanted))
    if (!found) throw new CommandError(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(wanted)}`)
    names = [found.name]
  } else throw badValue('index must be a string, an array of names or a key pattern')
  for (const index of names) {
    if (index === '_id_') throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index')
    if (!state.indexes.some((spec) => spec.name === index)) throw new CommandError(27, 'IndexNotFound', `index not found with name [${index}]`)
  }
  for (const index of names) context.ws.write({ op: 'dropIndex', db: context.db, coll: name, name: index, spec: state.indexes.find((spec) => spec.name === index) })
  return { nIndexesWas: was, ok: 1 }
}

const renameCollection: Handler = (context) => {
  const from = context.command.renameCollection
  const to = context.command.to
  if (typeof from !== 'string' || typeof to !== 'string' || !from.includes('.') || !to.includes('.')) throw badValue('renameCollection and to must be full namespaces')
  const split = (ns: string) => [ns.slice(0, ns.indexOf('.')), ns.slice(ns.indexOf('.') + 1)] as const
  const [db, coll] = split(from)
  const [toDb, toColl] = split(to)
  if (!context.ws.collection(db, coll)) throw namespaceNotFound('Source collection ' + from + ' does not exist')
  if (context.ws.collection(toDb, toColl)) {
    if (!context.command.dropTarget) throw new CommandError(48, 'NamespaceExists', `target namespace exists`)
    context.ws.write({ op: 'drop', db: toDb, coll: toColl })
  }
  context.ws.write({ op: 'rename', db, coll, toDb, toColl })
  return { ok: 1 }
}

function sizeOf(context: Parameters<Handler>[0], db: string): number {
  let size = 0
  for (const state of context.ws.collections(db)) for (const document of state.docs.values()) size += BSON.calculateObjectSize(document)
  return size
}

const listDatabases: Handler = (context) => {
  const names = context.ws.databases().filter((db) => context.ws.collections(db).length > 0)
  const entries = names.map((name) => ({ name, sizeOnDisk: sizeOf(context, name), empty: false }))
  const filtered = entries.filter(matcher((context.command.filter as Document) ?? {}))
  if (context.command.nameOnly) return { databases: filtered.map(({ name }) => ({ name })), ok: 1 }
  return { databases: filtered, totalSize: filtered.reduce((sum, entry) => sum + entry.sizeOnDisk, 0), ok: 1 }
}

const dropDatabase: Handler = (context) => {
  if (context.ws.databases().includes(context.db)) context.ws.write({ op: 'dropDatabase', db: context.db })
  return { dropped: context.db, ok: 1 }
}

/** Keeps the options it is given (change-stream pre/post images is the one that changes behaviour here). */
const collMod: Handler = (context) => {
  const name = collectionName(context, 'collMod')
  const state = context.ws.collection(context.db, name)
  if (!state) throw namespaceNotFound(`ns does not exist: ${context.db}.${name}`)
  const { collMod: _, $db, lsid, txnNumber, autocommit, startTransaction, $clusterTime, writeConcern, ...changes } = context.command
  checkValidatorOptions(changes)
  context.ws.write({ op: 'options', db: context.db, coll: name, options: { ...state.options, ...changes }, changes, before: state.options })
  return { ok: 1 }
}

const dbStats: Handler = (context) => {
  const collections = context.ws.collections(context.db)
  let objects = 0
  let indexes = 0
  for (const state of collections) {
    objects += state.docs.size
    indexes += state.indexes.length
  }
  const dataSize = sizeOf(context, context.db)
  return {
    db: context.db,
    collections: collections.length,
    views: 0,
    objects,
    avgObjSize: objects ? dataSize / objects : 0,
    dataSize,
    storageSize: dataSize,
    indexes,
    indexSize: 0,
    totalSize: dataSize,
    scaleFactor: 1,
    ok: 1,
  }
}

const collStats: Handler = (context) => {
  const name = collectionName(context, 'collStats')
  const state = context.ws.collection(context.db, name)
  if (!state) throw namespaceNotFound(`Collection [${context.db}.${name}] not found.`)
  let size = 0
  for (const document of state.docs.values()) size += BSON.calculateObjectSize(document)
  const indexSizes = Object.fromEntries(state.indexes.map((index) => [index.name, 0]))
  return { ns: `${context.db}.${name}`, count: state.docs.size, size, avgObjSize: state.docs.size ? size / state.docs.size : 0, storageSize: size, nindexes: state.indexes.length, totalIndexSize: 0, indexSizes, ok: 1 }
}

export const ddlCommands: Record<string, Handler> = {
  create,
  drop,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  renameCollection,
  listDatabases,
  dropDatabase,
  collMod,
  dbStats,
  collStats,
}
