// The data: databases → collections → documents keyed by their `_id`, plus unique-index key maps. Every change goes through
// a Mutation so that the same record drives transactions (replayed at commit), the persistence log and change streams.
import { type Document, UUID } from 'bson'
import { compileFilter } from './mingo.js'
import { pathValues } from './compare.js'
import { CommandError } from './errors.js'
import { valueKey, viewOf } from './values.js'
import { addToIndex, buildIndex, cloneIndexData, type IndexData, removeFromIndex } from './indexes.js'

export interface IndexSpec extends Document {
  v: number
  key: Document
  name: string
  unique?: boolean
  sparse?: boolean
  partialFilterExpression?: Document
}

export interface CollectionState {
  db: string
  name: string
  uuid: UUID
  options: Document
  docs: Map<string, Document>
  indexes: IndexSpec[]
  /** index name → (index key → document key), for unique indexes other than `_id`. */
  unique: Map<string, Map<string, string>>
  /**
   * index name → ordered entries (the planner's data), for every index but `_id`, whose order is built on the first query
   * that needs it (a range or sort on `_id`; equality uses `docs`) and kept from then on, so plain inserts skip it.
   */
  ordered: Map<string, IndexData>
}

export type Catalog = Map<string, Map<string, CollectionState>>

export type Mutation =
  | { op: 'put'; db: string; coll: string; doc: Document; kind: 'insert' | 'update' | 'replace'; before?: Document; updateDescription?: Document }
  | { op: 'delete'; db: string; coll: string; key: string; before: Document }
  | { op: 'create'; db: string; coll: string; options: Document; uuid: UUID }
  | { op: 'drop'; db: string; coll: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string; spec?: IndexSpec }
  | { op: 'rename'; db: string; coll: string; toDb: string; toColl: string }
  | { op: 'options'; db: string; coll: string; options: Document; changes?: Document; before?: Document }

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' }

export function newCollection(db: string, name: string, options: Document = {}, uuid = new UUID()): CollectionState {
  return { db, name, uuid, options, docs: new Map(), indexes: [ID_INDEX], unique: new Map(), ordered: new Map() }
}

/** A copy whose maps can change without touching the original (documents themselves are never mutated). */
export function cloneCollection(state: CollectionState): CollectionState {
  return {
    ...state,
    docs: new Map(state.docs),
    indexes: [...state.indexes],
    unique: new Map([...state.unique].map(([name, map]) => [name, new Map(map)])),
    ordered: new Map([...state.ordered].map(([name, data]) => [name, cloneIndexData(data)])),
  }
}

export function docKey(document: Document): string {
  return valueKey(document._id)
}

/** The unique-index keys a document has under one index; none when sparse/partial exclude it. */
export function indexKeys(spec: IndexSpec, document: Document): string[] {
  const view = viewOf(document)
  if (spec.partialFilterExpression && !compileFilter(spec.partialFilterExpression)(view)) return []
  const fields = Object.keys(spec.key)
  const perField = fields.map((field) => {
    const values = pathValues(document, field.split('.')).flatMap((value) => (Array.isArray(value) && value.length ? value : [value]))
    return values.length ? values : [undefined]
  })
  if (spec.sparse && perField.every((values) => values.length === 1 && values[0] === undefined)) return []
  // Compound keys of multikey documents: every combination, so an array element collides like MongoDB's multikey index.
  let combos: unknown[][] = [[]]
  for (const values of perField) combos = combos.flatMap((combo) => [...new Set(values)].map((value) => [...combo, value]))
  return [...new Set(combos.map((combo) => valueKey(combo)))]
}

export function duplicateKeyError(state: CollectionState, spec: IndexSpec, document: Document): CommandError {
  const keyValue: Document = {}
  for (const field of Object.keys(spec.key)) keyValue[field] = pathValues(document, field.split('.'))[0] ?? null
  const shown = Object.entries(keyValue)
    .map(([field, value]) => `${field}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
    .join(', ')
  return new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${state.db}.${state.name} index: ${spec.name} dup key: { ${shown} }`, {
    keyPattern: spec.key,
    keyValue,
  })
}

/** Throws DuplicateKey if `document` would collide with another document (other than the one it replaces). */
export function checkUnique(state: CollectionState, document: Document): void {
  const key = docKey(document)
  for (const spec of state.indexes) {
    if (!spec.unique || spec.name === '_id_') continue
    const map = state.unique.get(spec.name)
    if (!map) continue
    for (const indexKey of indexKeys(spec, document)) {
      const owner = map.get(indexKey)
      if (owner !== undefined && owner !== key) throw duplicateKeyError(state, spec, document)
    }
  }
}

function unindex(state: CollectionState, document: Document | undefined) {
  if (!document) return
  const key = docKey(document)
  for (const spec of state.indexes) {
    const data = state.ordered.get(spec.name)
    if (data) removeFromIndex(spec, data, document, key)
    const map = state.unique.get(spec.name)
    if (!map) continue
    for (const indexKey of indexKeys(spec, document)) if (map.get(indexKey) === key) map.delete(indexKey)
  }
}

function reindex(state: CollectionState, document: Document) {
  const key = docKey(document)
  for (const spec of state.indexes) {
    const data = state.ordered.get(spec.name)
    if (data) addToIndex(spec, data, document, key)
    const map = state.unique.get(spec.name)
    if (!map) continue
    for (const indexKey of indexKeys(spec, document)) map.set(indexKey, key)
  }
}

/** Rebuilds every index's data from the documents (after a snapshot load). */
export function rebuildIndexes(state: CollectionState): void {
  state.unique = new Map()
  state.ordered = new Map()
  for (const spec of state.indexes) {
    if (spec.unique && spec.name !== '_id_') state.unique.set(spec.name, buildUnique(state, spec))
    if (spec.name !== ID_INDEX.name) state.ordered.set(spec.name, buildIndex(spec, state.docs))
  }
}

/** The ordered data of an index, built now for `_id` if no query needed it before. */
export function orderedIndex(state: CollectionState, spec: IndexSpec): IndexData {
  let data = state.ordered.get(spec.name)
  if (!data) state.ordered.set(spec.name, (data = buildIndex(spec, state.docs)))
  return data
}

/** Builds a unique index's key map, refusing (11000) when existing documents already collide. */
export function buildUnique(state: CollectionState, spec: IndexSpec): Map<string, string> {
  const map = new Map<string, string>()
  for (const [key, document] of state.docs) {
    for (const indexKey of indexKeys(spec, document)) {
      if (map.has(indexKey) && map.get(indexKey) !== key) throw duplicateKeyError(state, spec, document)
      map.set(indexKey, key)
    }
  }
  return map
}

function ensure(catalog: Catalog, db: string, coll: string, options: Document = {}, uuid?: UUID): CollectionState {
  let collections = catalog.get(db)
  if (!collections) catalog.set(db, (collections = new Map()))
  let state = collections.get(coll)
  if (!state) collections.set(coll, (state = newCollection(db, coll, options, uuid)))
  return state
}

/** Applies one mutation to a catalog (the global one, or a transaction's private copy). */
export function applyMutation(catalog: Catalog, mutation: Mutation): void {
  switch (mutation.op) {
    case 'put': {
      const state = ensure(catalog, mutation.db, mutation.coll)
      const key = docKey(mutation.doc)
      unindex(state, state.docs.get(key))
      state.docs.set(key, mutation.doc)
      reindex(state, mutation.doc)
      return
    }
    case 'delete': {
      const state = catalog.get(mutation.db)?.get(mutation.coll)
      if (!state) return
      unindex(state, state.docs.get(mutation.key))
      state.docs.delete(mutation.key)
      return
    }
    case 'create':
      ensure(catalog, mutation.db, mutation.coll, mutation.options, mutation.uuid)
      return
    case 'drop':
      catalog.get(mutation.db)?.delete(mutation.coll)
      if (catalog.get(mutation.db)?.size === 0) catalog.delete(mutation.db)
      return
    case 'dropDatabase':
      catalog.delete(mutation.db)
      return
    case 'createIndex': {
      const state = ensure(catalog, mutation.db, mutation.coll)
      if (state.indexes.some((index) => index.name === mutation.spec.name)) return
      state.indexes = [...state.indexes, mutation.spec]
      if (mutation.spec.unique) state.unique.set(mutation.spec.name, buildUnique(state, mutation.spec))
      state.ordered.set(mutation.spec.name, buildIndex(mutation.spec, state.docs))
      return
    }
    case 'dropIndex': {
      const state = catalog.get(mutation.db)?.get(mutation.coll)
      if (!state) return
      state.indexes = state.indexes.filter((index) => index.name !== mutation.name)
      state.unique.delete(mutation.name)
      state.ordered.delete(mutation.name)
      return
    }
    case 'options': {
      const state = catalog.get(mutation.db)?.get(mutation.coll)
      if (state) state.options = mutation.options
      return
    }
    case 'rename': {
      const state = catalog.get(mutation.db)?.get(mutation.coll)
      if (!state) return
      catalog.get(mutation.db)!.delete(mutation.coll)
      if (catalog.get(mutation.db)!.size === 0) catalog.delete(mutation.db)
      let target = catalog.get(mutation.toDb)
      if (!target) catalog.set(mutation.toDb, (target = new Map()))
      target.set(mutation.toColl, { ...state, db: mutation.toDb, name: mutation.toColl })
      return
    }
  }
}
