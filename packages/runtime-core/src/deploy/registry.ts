import type { Collection, Db, Document } from 'mongodb'
import { RuntimeError } from '../errors.js'
import { assertFunctionName } from '../names.js'
import { assertEnvironment, DEFAULT_FUNCTIONS_COLLECTION, functionDocumentId } from '../stores/mongo.js'
import { toRecord } from '../stores/record.js'
import type { FunctionRecordInput } from '../types.js'
import { checkSource } from './check.js'

/** The version of the documents the registry writes; a later release migrates older ones by it. */
export const DEPLOY_SCHEMA_VERSION = 1

export type FunctionDraft = Omit<FunctionRecordInput, 'name'>

export interface DraftInfo {
  name: string
  hash: string
  /** npm packages the function imports (each host must have them installed). */
  packages: string[]
  updatedAt: Date
  updatedBy: string | null
}

export interface Deployment {
  name: string
  environment: string
  version: number
  action: 'publish' | 'promote' | 'rollback' | 'remove'
  /** Content hash of what was deployed (absent for `remove`). */
  hash?: string
  by: string | null
  at: Date
  promotedFrom?: { environment: string; version: number }
  rollbackOf?: number
}

export interface LiveFunction extends Deployment {
  source: string
  language?: 'ts' | 'js'
  methods?: string[]
  description?: string
  inputSchema?: Record<string, unknown>
  timeoutMs?: number
  cpuTimeMs?: number
  packages: string[]
}

export interface RegistryOptions {
  db: Db
  /** The live collection `mongoStore` reads. Default `__functions__`; drafts and history sit beside it. */
  collection?: string
  /** Promotion order, e.g. `['dev', 'staging', 'prod']`: `promote` then only moves one step along it. */
  pipeline?: string[]
}

/** Who is acting: recorded in the history. */
export interface Actor {
  by?: string | null
}

export interface FunctionRegistry {
  /** Stores a draft after compiling it (a syntax error is refused with its line and column). */
  put(name: string, draft: FunctionDraft, options?: Actor): Promise<DraftInfo>
  getDraft(name: string): Promise<(DraftInfo & FunctionDraft) | undefined>
  /** Makes the draft live in `environment` as its next version, in one document write. */
  publish(name: string, options: { environment: string } & Actor): Promise<Deployment>
  /** Copies what is live in `from` to `to` (one step along the pipeline when one is configured). */
  promote(name: string, options: { from: string; to: string } & Actor): Promise<Deployment>
  /** Newest first. With `source: true` each entry also has the `source` (and `language`) it deployed, for diffs. */
  history(name: string, options: { environment: string; limit?: number; source?: boolean }): Promise<Array<Deployment & { source?: string; language?: 'ts' | 'js' }>>
  /** Makes an earlier version live again, as a new version. */
  rollback(name: string, options: { environment: string; version: number } & Actor): Promise<Deployment>
  /** Takes the function out of `environment`, or out of every environment and drops its draft. */
  remove(name: string, options?: { environment?: string } & Actor): Promise<{ removed: number }>
  list(options: { environment: string }): Promise<Deployment[]>
  get(name: string, options: { environment: string }): Promise<LiveFunction | undefined>
  /** Every function with a draft (for `promote --all`, the CLI). */
  names(): Promise<string[]>
}

const CONTENT_FIELDS = ['source', 'language', 'methods', 'description', 'inputSchema', 'timeoutMs', 'cpuTimeMs', 'schedule', 'timezone', 'title', 'annotations', 'outputSchema', 'packages', 'hash'] as const

export function functionRegistry(options: RegistryOptions): FunctionRegistry {
  if (!options?.db || typeof options.db.collection !== 'function') throw new RuntimeError('BAD_REQUEST', 'functionRegistry needs {db}: a Db of the mongodb driver')
  const base = options.collection ?? DEFAULT_FUNCTIONS_COLLECTION
  const live: Collection<Document> = options.db.collection(base)
  const drafts: Collection<Document> = options.db.collection(`${base}.drafts`)
  const history: Collection<Document> = options.db.collection(`${base}.history`)
  const pipeline = options.pipeline
  pipeline?.forEach(assertEnvironment)
  let indexes: Promise<unknown> | undefined
  const ensureIndexes = () =>
    (indexes ??= Promise.all([live.createIndex({ environment: 1, name: 1 }, { unique: true }), history.createIndex({ name: 1, environment: 1, version: -1 })]).catch((error) => {
      indexes = undefined
      throw error
    }))

  /**
   * One atomic write of the live document that also numbers the version (its previous version + 1: monotonic, and the
   * newest write is always the newest version), then the history entry. The live write is all a reader waits for.
   */
  async function deploy(name: string, environment: string, content: Document, entry: Omit<Deployment, 'name' | 'environment' | 'version' | 'at' | 'hash'>): Promise<Deployment> {
    await ensureIndexes()
    const id = functionDocumentId(environment, name)
    const at = new Date()
    const fields = pick(content)
    const set: Document = { schemaVersion: DEPLOY_SCHEMA_VERSION, environment, name, action: entry.action, by: entry.by, at, ...fields }
    if (entry.promotedFrom) set.promotedFrom = entry.promotedFrom
    const unset = [...CONTENT_FIELDS.filter((field) => fields[field] === undefined), 'removed', ...(entry.promotedFrom ? [] : ['promotedFrom'])]
    const doc = await bump(id, set, unset)
    const version = Number(doc.version)
    const deployment: Deployment = { name, environment, version, ...entry, hash: content.hash, at }
    await history.insertOne({ _id: `${id}@${version}` as never, schemaVersion: DEPLOY_SCHEMA_VERSION, ...deployment, ...fields })
    return deployment
  }

  /** Sets `set` (as literals: a source may start with `$`), unsets `unset`, and adds one to `version`, atomically. */
  async function bump(id: string, set: Document, unset: string[], filter: Document = {}): Promise<Document> {
    const literal: Document = {}
    for (const [key, value] of Object.entries(set)) literal[key] = { $literal: value }
    literal.version = { $add: [{ $ifNull: ['$version', 0] }, 1] }
    const stages: Document[] = [{ $set: literal }]
    if (unset.length) stages.push({ $unset: unset })
    const doc = await live.findOneAndUpdate({ _id: id as never, ...filter }, stages, { upsert: Object.keys(filter).length === 0, returnDocument: 'after' })
    if (!doc) throw new RuntimeError('FUNCTION_NOT_FOUND', `function ${id} is not live`)
    return doc
  }

  async function liveDoc(name: string, environment: string): Promise<Document | null> {
    assertFunctionName(name)
    assertEnvironment(environment)
    return live.findOne({ _id: functionDocumentId(environment, name) as never, removed: { $ne: true } })
  }

  /** Leaves a tombstone (so the version count goes on), recorded in the history. False when it was not live. */
  async function removeFrom(name: string, environment: string, by: string | null): Promise<boolean> {
    const id = functionDocumentId(environment, name)
    const at = new Date()
    const doc = await bump(id, { removed: true, action: 'remove', by, at }, [...CONTENT_FIELDS, 'promotedFrom'], { removed: { $ne: true } }).catch((error) => {
      if (RuntimeError.is(error, 'FUNCTION_NOT_FOUND')) return undefined
      throw error
    })
    if (!doc) return false
    const version = Number(doc.version)
    await history.insertOne({ _id: `${id}@${version}` as never, schemaVersion: DEPLOY_SCHEMA_VERSION, name, environment, version, action: 'remove', by, at })
    return true
  }

  return {
    async put(name, draft, actor = {}) {
      assertFunctionName(name)
      if (typeof draft !== 'object' || draft === null) throw new RuntimeError('BAD_REQUEST', `put(${name}): the draft must be an object {source, language?, …}`)
      const record = toRecord({ ...draft, name })
      const { packages } = await checkSource(name, record.source, record.language)
      const info: DraftInfo = { name, hash: record.hash, packages, updatedAt: new Date(), updatedBy: actor.by ?? null }
      const { name: _name, ...content } = record
      await drafts.replaceOne({ _id: name as never }, { schemaVersion: DEPLOY_SCHEMA_VERSION, ...content, ...info }, { upsert: true })
      return info
    },
    async getDraft(name) {
      assertFunctionName(name)
      const doc = await drafts.findOne({ _id: name as never })
      return doc ? (strip(doc) as DraftInfo & FunctionDraft) : undefined
    },
    async publish(name, { environment, by = null }) {
      assertFunctionName(name)
      assertEnvironment(environment)
      const draft = await drafts.findOne({ _id: name as never })
      if (!draft) throw new RuntimeError('FUNCTION_NOT_FOUND', `function ${name} has no draft: put it first`)
      return deploy(name, environment, draft, { action: 'publish', by })
    },
    async promote(name, { from, to, by = null }) {
      assertEnvironment(from)
      assertEnvironment(to)
      if (from === to) throw new RuntimeError('BAD_REQUEST', `promote ${name}: from and to are both ${from}`)
      if (pipeline) {
        const step = pipeline.indexOf(from)
        if (step < 0 || pipeline[step + 1] !== to) {
          throw new RuntimeError('PROMOTION_ORDER', `promote ${name}: ${from} → ${to} is not a step of the pipeline ${pipeline.join(' → ')}`)
        }
      }
      const source = await liveDoc(name, from)
      if (!source) throw new RuntimeError('FUNCTION_NOT_FOUND', `function ${name} is not published in ${from}`)
      return deploy(name, to, source, { action: 'promote', by, promotedFrom: { environment: from, version: Number(source.version) } })
    },
    async history(name, { environment, limit = 100, source = false }) {
      assertFunctionName(name)
      assertEnvironment(environment)
      const docs = await history.find({ name, environment }, source ? {} : { projection: { source: 0 } }).sort({ version: -1 }).limit(Math.max(1, Math.min(limit, 1000))).toArray()
      return docs.map((doc) => (source && typeof doc.source === 'string' ? { ...toDeployment(doc), source: doc.source, ...(doc.language ? { language: doc.language } : {}) } : toDeployment(doc)))
    },
    async rollback(name, { environment, version, by = null }) {
      assertFunctionName(name)
      assertEnvironment(environment)
      if (!Number.isInteger(version) || version < 1) throw new RuntimeError('BAD_REQUEST', `rollback ${name}: version must be a positive integer`)
      const entry = await history.findOne({ name, environment, version })
      if (!entry || typeof entry.source !== 'string') throw new RuntimeError('VERSION_NOT_FOUND', `function ${name} has no version ${version} in ${environment}`)
      return deploy(name, environment, entry, { action: 'rollback', by, rollbackOf: version })
    },
    async remove(name, { environment, by = null } = {}) {
      assertFunctionName(name)
      if (environment === undefined) {
        let removed = 0
        for (const doc of await live.find({ name, removed: { $ne: true } }, { projection: { environment: 1 } }).toArray()) {
          removed += (await removeFrom(name, String(doc.environment), by)) ? 1 : 0
        }
        await drafts.deleteOne({ _id: name as never })
        return { removed }
      }
      assertEnvironment(environment)
      return { removed: (await removeFrom(name, environment, by)) ? 1 : 0 }
    },
    async list({ environment }) {
      assertEnvironment(environment)
      const docs = await live.find({ environment, removed: { $ne: true } }, { projection: { source: 0, inputSchema: 0 } }).sort({ name: 1 }).toArray()
      return docs.map(toDeployment)
    },
    async get(name, { environment }) {
      const doc = await liveDoc(name, environment)
      return doc ? ({ ...toDeployment(doc), ...pick(doc) } as LiveFunction) : undefined
    },
    async names() {
      const docs = await drafts.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray()
      return docs.map((doc) => String(doc._id))
    },
  }
}

function pick(doc: Document): Document {
  const out: Document = {}
  for (const field of CONTENT_FIELDS) if (doc[field] !== undefined && doc[field] !== null) out[field] = doc[field]
  return out
}

function strip(doc: Document): Document {
  const { _id, schemaVersion, ...rest } = doc
  return rest
}

function toDeployment(doc: Document): Deployment {
  const out: Deployment = { name: doc.name, environment: doc.environment, version: Number(doc.version), action: doc.action ?? 'publish', by: doc.by ?? null, at: doc.at }
  if (doc.hash) out.hash = doc.hash
  if (doc.promotedFrom) out.promotedFrom = doc.promotedFrom
  if (doc.rollbackOf !== undefined) out.rollbackOf = doc.rollbackOf
  return out
}
