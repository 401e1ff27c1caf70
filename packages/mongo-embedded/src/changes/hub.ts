// Change streams: every committed mutation becomes an event in a bounded in-memory history; a change-stream cursor reads
// from a position in it, waiting for new events on getMore. Resume tokens encode the position.
import { type Document, Timestamp, type UUID } from 'bson'
import type { CommandContext } from '../commands/context.js'
import { CommandError } from '../engine/errors.js'
import { runPipeline } from '../engine/mingo.js'
import { type Mutation, docKey } from '../engine/store.js'
import { retype, toView, valueKey } from '../engine/values.js'
import type { Engine } from '../engine/workspace.js'
import type { PullSource } from '../engine/cursors.js'
import * as pipelineOperators from 'mingo/operators/pipeline'

interface StoredEvent {
  seq: number
  time: Timestamp
  db: string
  coll?: string
  event: Document
  /** For update events: where `updateLookup` finds the current document. */
  key?: string
  before?: Document
  after?: Document
  /** The collection had changeStreamPreAndPostImages enabled when the change happened. */
  images?: boolean
  /** Collection-level stream ends here (drop/rename of the collection); database-level on dropDatabase. */
  invalidates?: 'collection' | 'database'
  /** DDL events (create, createIndexes, dropIndexes, modify) only streams with showExpandedEvents see. */
  expanded?: boolean
  uuid?: UUID
}

const HISTORY = 10_000
const INTERNAL_DBS = new Set(['admin', 'config', 'local'])

export function token(seq: number): Document {
  return { _data: seq.toString(16).padStart(16, '0').toUpperCase() }
}

function seqOf(resumeToken: unknown): number {
  const data = (resumeToken as Document | undefined)?._data
  if (typeof data !== 'string' || !/^[0-9A-F]{1,16}$/i.test(data)) throw new CommandError(260, 'InvalidResumeToken', 'resume token was not understood')
  return Number.parseInt(data, 16)
}

const KNOWN_STAGES = new Set([...Object.keys(pipelineOperators), '$changeStream', '$collStats', '$currentOp', '$geoNear', '$indexStats', '$listSessions', '$search', '$changeStreamSplitLargeEvent'])

const missingImage = (kind: 'pre' | 'post') =>
  new CommandError(280, 'ChangeStreamFatalError', `Change stream was configured to require a ${kind}-image for all update, delete and replace events, but the ${kind}-image was not found (changeStreamPreAndPostImages is not enabled on the collection)`)

/** A create event's description: the collection's options, and the `_id` index for collections (not views). */
function createDescription(options: Document): Document {
  return options.viewOn !== undefined ? { ...options } : { ...options, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } }
}

export class ChangeHub {
  private events: StoredEvent[] = []
  private seq = 0
  private waiters = new Set<() => void>()

  constructor(private readonly engine: Engine) {
    engine.onCommit((mutations, time) => this.publish(mutations, time))
  }

  private push(time: Timestamp, entry: Omit<StoredEvent, 'seq' | 'time' | 'event'> & { event: Document }) {
    const seq = ++this.seq
    const ns = entry.coll === undefined ? { db: entry.db } : { db: entry.db, coll: entry.coll }
    const event = { _id: token(seq), ...entry.event, clusterTime: time, wallTime: new Date(), ns: entry.event.ns ?? ns }
    const uuid = entry.uuid ?? (entry.coll === undefined ? undefined : this.engine.collection(entry.db, entry.coll)?.uuid)
    this.events.push({ ...entry, seq, time, event, uuid })
    // Trimmed in chunks: dropping one event per write would make a bulk load quadratic.
    if (this.events.length > HISTORY * 1.5) this.events.splice(0, this.events.length - HISTORY)
  }

  private publish(mutations: Mutation[], time: Timestamp) {
    for (const mutation of mutations) {
      const { db } = mutation
      switch (mutation.op) {
        case 'put': {
          const documentKey = { _id: mutation.doc._id }
          const key = docKey(mutation.doc)
          const images = this.imagesEnabled(db, mutation.coll)
          if (mutation.kind === 'insert') this.push(time, { db, coll: mutation.coll, key, event: { operationType: 'insert', fullDocument: mutation.doc, documentKey } })
          else if (mutation.kind === 'replace') this.push(time, { db, coll: mutation.coll, key, images, before: mutation.before, event: { operationType: 'replace', fullDocument: mutation.doc, documentKey } })
          else this.push(time, { db, coll: mutation.coll, key, images, before: mutation.before, after: mutation.doc, event: { operationType: 'update', documentKey, updateDescription: mutation.updateDescription } })
          break
        }
        case 'delete':
          this.push(time, { db, coll: mutation.coll, images: this.imagesEnabled(db, mutation.coll), before: mutation.before, event: { operationType: 'delete', documentKey: { _id: mutation.before._id } } })
          break
        case 'drop':
          this.push(time, { db, coll: mutation.coll, event: { operationType: 'drop' } })
          this.push(time, { db, coll: mutation.coll, invalidates: 'collection', event: { operationType: 'invalidate' } })
          break
        case 'rename':
          this.push(time, { db, coll: mutation.coll, event: { operationType: 'rename', to: { db: mutation.toDb, coll: mutation.toColl } } })
          this.push(time, { db, coll: mutation.coll, invalidates: 'collection', event: { operationType: 'invalidate' } })
          break
        case 'create':
          this.push(time, { db, coll: mutation.coll, expanded: true, uuid: mutation.uuid, event: { operationType: 'create', operationDescription: createDescription(mutation.options) } })
          break
        case 'createIndex':
          this.push(time, { db, coll: mutation.coll, expanded: true, event: { operationType: 'createIndexes', operationDescription: { indexes: [mutation.spec] } } })
          break
        case 'dropIndex':
          this.push(time, { db, coll: mutation.coll, expanded: true, event: { operationType: 'dropIndexes', operationDescription: { indexes: [mutation.spec ?? { name: mutation.name }] } } })
          break
        case 'options':
          this.push(time, { db, coll: mutation.coll, expanded: true, event: { operationType: 'modify', operationDescription: mutation.changes ?? mutation.options, ...(mutation.before ? { stateBeforeChange: { collectionOptions: mutation.before } } : {}) } })
          break
        case 'dropDatabase':
          this.push(time, { db, event: { operationType: 'dropDatabase' } })
          this.push(time, { db, invalidates: 'database', event: { operationType: 'invalidate' } })
          break
      }
    }
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  private imagesEnabled(db: string, coll: string): boolean {
    return !!(this.engine.collection(db, coll)?.options.changeStreamPreAndPostImages as Document | undefined)?.enabled
  }

  /** Resolves at the next commit, or after `ms` (tailable cursors and change-stream getMores wait on it). */
  waitForCommit(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.waiters.delete(wake)
        resolve()
      }, ms)
      // A waiting getMore must not keep a process alive on its own.
      timer.unref?.()
      this.waiters.add(wake)
    })
  }

  close() {
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  /** Opens a change-stream cursor for `aggregate` with a leading `$changeStream`. */
  open(context: CommandContext, pipeline: Document[]): Document {
    const spec = (pipeline[0]!.$changeStream ?? {}) as Document
    const stages = pipeline.slice(1)
    for (const stage of stages) {
      const name = Object.keys(stage)[0]
      if (!name || !KNOWN_STAGES.has(name)) throw new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${name}'`)
      if (!['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact'].includes(name)) {
        throw new CommandError(280, 'ChangeStreamFatalError', `${name} is not permitted in a $changeStream pipeline`)
      }
    }
    const { db } = context
    const allDbs = !!spec.allChangesForCluster
    const coll = typeof context.command.aggregate === 'string' ? (context.command.aggregate as string) : undefined
    if (allDbs && db !== 'admin') throw new CommandError(73, 'InvalidNamespace', "$changeStream may only be run on admin when 'allChangesForCluster' is true")
    let position = this.seq
    const resume = spec.startAfter ?? spec.resumeAfter
    if (resume !== undefined) {
      position = seqOf(resume)
      const oldest = this.events[0]?.seq ?? this.seq + 1
      if (position < oldest - 1 || position > this.seq) throw new CommandError(286, 'ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.')
    } else if (spec.startAtOperationTime) {
      const at = spec.startAtOperationTime as Timestamp
      const first = this.events.find((entry) => entry.time.compare(at) >= 0)
      position = first ? first.seq - 1 : this.seq
    }
    const hub = this
    const engine = this.engine
    let closed = false
    const expanded = spec.showExpandedEvents === true
    const inScope = (entry: StoredEvent) => {
      if (entry.expanded && !expanded) return false
      if (allDbs) return !INTERNAL_DBS.has(entry.db)
      if (entry.db !== db) return false
      if (coll === undefined) return entry.invalidates !== 'collection'
      return entry.coll === coll || (entry.coll === undefined && entry.invalidates === 'database')
    }
    const render = (entry: StoredEvent): Document => {
      const event: Document = { ...entry.event }
      const type = event.operationType as string
      if (expanded) {
        if (entry.uuid && entry.coll !== undefined) event.collectionUUID = entry.uuid
        if (type === 'update' && event.updateDescription) event.updateDescription = { ...event.updateDescription, disambiguatedPaths: {} }
        if (type === 'rename') event.operationDescription = { to: event.to }
      }
      // Post-images (whenAvailable/required) and pre-images exist only where the collection enabled
      // changeStreamPreAndPostImages; updateLookup reads the document as it is now.
      if (type === 'update') {
        if (spec.fullDocument === 'updateLookup') event.fullDocument = engine.collection(entry.db, entry.coll!)?.docs.get(entry.key!) ?? null
        else if (spec.fullDocument === 'whenAvailable' || spec.fullDocument === 'required') {
          if (!entry.images && spec.fullDocument === 'required') throw missingImage('post')
          event.fullDocument = entry.images ? entry.after ?? null : null
        }
      }
      if ((spec.fullDocumentBeforeChange === 'whenAvailable' || spec.fullDocumentBeforeChange === 'required') && ['update', 'replace', 'delete'].includes(type)) {
        if (!entry.images && spec.fullDocumentBeforeChange === 'required') throw missingImage('pre')
        event.fullDocumentBeforeChange = entry.images ? entry.before ?? null : null
      }
      return event
    }
    const source: PullSource = {
      async next(max, waitMs) {
        const deadline = Date.now() + waitMs
        for (;;) {
          const batch: Document[] = []
          // Sequence numbers are consecutive, so the first unread event is found by subtraction.
          const start = Math.max(0, position + 1 - (hub.events[0]?.seq ?? position + 1))
          for (let i = start; i < hub.events.length && !closed; i++) {
            const entry = hub.events[i]!
            position = entry.seq
            if (!inScope(entry)) continue
            let event = render(entry)
            if (stages.length) {
              const [out] = runPipeline([toView(event) as Document], toView(stages) as Document[])
              if (!out) continue
              event = retype(out, event) as Document
              if (valueKey(event._id) !== valueKey(entry.event._id)) {
                throw new CommandError(280, 'ChangeStreamFatalError', "Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point.")
              }
            }
            batch.push(event)
            if (entry.invalidates) closed = true
            if (batch.length >= max) break
          }
          const remaining = deadline - Date.now()
          if (batch.length || closed || remaining <= 0) return batch
          await hub.waitForCommit(remaining)
        }
      },
      extra: () => ({ postBatchResumeToken: token(position) }),
      close() {
        closed = true
      },
    }
    const ns = coll === undefined ? `${db}.$cmd.aggregate` : `${db}.${coll}`
    return context.server.cursors.pulling(ns, source, context.session)
  }
}
