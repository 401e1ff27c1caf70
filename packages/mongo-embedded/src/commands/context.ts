// What every command handler receives, and helpers they share.
import { BSON, type Document, ObjectId, UUID } from 'bson'
import type { ChangeHub } from '../changes/hub.js'
import type { Cursors } from '../engine/cursors.js'
import { CommandError, invalidNamespace } from '../engine/errors.js'
import type { Sessions } from '../engine/sessions.js'
import type { Snapshots } from '../engine/snapshots.js'
import { checkUnique, type CollectionState, docKey } from '../engine/store.js'
import { bsonType, idFirst, toView } from '../engine/values.js'
import type { Engine, Workspace } from '../engine/workspace.js'
import { MAX_BSON_OBJECT_SIZE } from '../wire/codec.js'
import { validateWrite } from '../engine/validation.js'
import { assertNotView } from './views.js'
import { evictCapped, isCapped } from './capped.js'

export interface ServerState {
  engine: Engine
  cursors: Cursors
  sessions: Sessions
  changes: ChangeHub
  snapshots: Snapshots
  /** `host:port` as advertised in hello. */
  address: string
  startedAt: number
  electionId: ObjectId
}

export interface CommandContext {
  server: ServerState
  ws: Workspace
  db: string
  command: Document
  session?: string
  connectionId: number
  /** From `maxTimeMS`: when the command must give up (MaxTimeMSExpired). */
  deadline?: number
}

export type Handler = (context: CommandContext) => Document | Promise<Document>

export function collectionName(context: CommandContext, field: string): string {
  const name = context.command[field]
  if (typeof name !== 'string') {
    throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof name === 'object' ? 'object' : typeof name}`)
  }
  if (name === '' || name.includes('\0') || name.startsWith('.') || name.includes('$')) throw invalidNamespace(`Invalid collection name: ${name}`)
  if (!context.db || /[/\\. "$\0]/.test(context.db)) throw invalidNamespace(`Invalid database name: '${context.db}'`)
  return name
}

/** The collection, created implicitly as MongoDB does on first write. */
export function ensureCollection(context: CommandContext, name: string): CollectionState {
  const existing = context.ws.collection(context.db, name)
  if (existing) return existing
  context.ws.write({ op: 'create', db: context.db, coll: name, options: {}, uuid: new UUID() })
  return context.ws.collection(context.db, name)!
}


export function describeValue(value: unknown): string {
  return JSON.stringify(toView(value))
}

/** Inserts one client document: `_id` generated and first, size and uniqueness checked. */
export function insertDocument(context: CommandContext, name: string, input: Document): Document {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new CommandError(2, 'BadValue', 'document to insert must be an object')
  const document = idFirst(input._id === undefined ? { _id: new ObjectId(), ...input } : { ...input })
  if (Array.isArray(document._id)) throw new CommandError(2, 'BadValue', "can't use an array for _id")
  if (document._id instanceof RegExp) throw new CommandError(2, 'BadValue', "can't use a regex for _id")
  const id = document._id as Document
  if (id && typeof id === 'object' && !bsonType(id) && !(id instanceof Date) && Object.keys(id).some((key) => key.startsWith('$'))) {
    throw new CommandError(2, 'BadValue', `_id fields may not contain '$'-prefixed fields: ${Object.keys(id).find((key) => key.startsWith('$'))} is not valid for storage.`)
  }
  checkSize(document)
  assertNotView(context, name)
  const state = ensureCollection(context, name)
  if (state.docs.has(docKey(document))) {
    const id = document._id
    const shown = id instanceof ObjectId ? `ObjectId('${id.toHexString()}')` : describeValue(id)
    throw new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${context.db}.${name} index: _id_ dup key: { _id: ${shown} }`, {
      keyPattern: { _id: 1 },
      keyValue: { _id: id },
    })
  }
  checkUnique(state, document)
  validateWrite(state.options, document, undefined, context.command)
  context.ws.write({ op: 'put', db: context.db, coll: name, doc: document, kind: 'insert' })
  if (isCapped(state.options)) evictCapped(context, name)
  return document
}

export function checkSize(document: Document) {
  const size = BSON.calculateObjectSize(document)
  if (size > MAX_BSON_OBJECT_SIZE) {
    throw new CommandError(10334, 'BSONObjectTooLarge', `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_OBJECT_SIZE}`)
  }
}

/** A write error entry, or rethrows errors that must fail the whole command (transaction conflicts). */
export function writeError(error: unknown, index: number): Document {
  if (!(error instanceof CommandError) || error.code === 112) throw error
  return { index, code: error.code, codeName: error.codeName, errmsg: error.message, ...error.extra }
}
