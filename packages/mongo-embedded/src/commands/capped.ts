// Capped collections (a size and optional document cap; the oldest documents go first) and tailable cursors on them,
// which stay open at the end of the data and return documents inserted later (waiting for them with awaitData).
import { BSON, type Document } from 'bson'
import type { PullSource } from '../engine/cursors.js'
import { badValue, CommandError } from '../engine/errors.js'
import { matcher } from '../engine/query.js'
import { toNumber } from '../engine/values.js'
import type { CommandContext } from './context.js'

export const isCapped = (options: Document): boolean => options.capped === true

/** `create` options of a capped collection: `size` (bytes) required, `max` (documents) optional. */
export function checkCappedOptions(options: Document): void {
  if (!isCapped(options)) return
  const size = toNumber(options.size)
  if (size === undefined || size <= 0) throw new CommandError(72, 'InvalidOptions', "the 'size' field is required when 'capped' is true")
  if (options.max !== undefined && (toNumber(options.max) ?? -1) < 0) throw badValue("'max' must be a non-negative number")
}

const sizes = new WeakMap<Document, number>()

function sizeOf(document: Document): number {
  let size = sizes.get(document)
  if (size === undefined) sizes.set(document, (size = BSON.calculateObjectSize(document)))
  return size
}

/** Removes the oldest documents (natural order) while the collection is over its `max` or `size`. */
export function evictCapped(context: CommandContext, name: string): void {
  const state = context.ws.collection(context.db, name)
  if (!state || !isCapped(state.options)) return
  const maxDocs = toNumber(state.options.max) || Infinity
  const maxBytes = toNumber(state.options.size) ?? Infinity
  let bytes = 0
  for (const document of state.docs.values()) bytes += sizeOf(document)
  let count = state.docs.size
  for (const [key, document] of [...state.docs]) {
    if (count <= 1 || (count <= maxDocs && bytes <= maxBytes)) break
    context.ws.write({ op: 'delete', db: context.db, coll: name, key, before: document })
    count--
    bytes -= sizeOf(document)
  }
}

/** A tailable find: the first batch now, then what is inserted after the last document returned, in natural order. */
export function tailableFind(context: CommandContext, name: string, filter: Document): Document {
  const command = context.command
  const state = context.ws.collection(context.db, name)
  if (!state || !isCapped(state.options)) throw badValue(`error processing query: ns=${context.db}.${name} tailable cursor requested on non capped collection`)
  const sort = command.sort as Document | undefined
  if (sort && Object.keys(sort).length && !(Object.keys(sort).length === 1 && toNumber(sort.$natural) === 1)) {
    throw badValue('cannot use tailable option with a sort other than {$natural: 1}')
  }
  const test = matcher(filter, { let: command.let as Document })
  const awaitData = command.awaitData === true
  const engine = context.server.engine
  const changes = context.server.changes
  const { db } = context
  let lastKey: string | undefined
  let closed = false
  const collect = (max: number): Document[] => {
    const docs = engine.collection(db, name)?.docs ?? new Map<string, Document>()
    if (lastKey !== undefined && !docs.has(lastKey)) throw new CommandError(136, 'CappedPositionLost', `CollectionScan died due to position in capped collection being deleted. Last seen record id: ${lastKey}`)
    const batch: Document[] = []
    let after = lastKey === undefined
    for (const [key, document] of docs) {
      if (!after) {
        after = key === lastKey
        continue
      }
      lastKey = key
      if (test(document)) batch.push(document)
      if (batch.length >= max) break
    }
    return batch
  }
  const source: PullSource = {
    async next(max, waitMs) {
      const deadline = Date.now() + (awaitData ? waitMs : 0)
      for (;;) {
        const batch = closed ? [] : collect(max)
        const remaining = deadline - Date.now()
        if (batch.length || closed || remaining <= 0) return batch
        await changes.waitForCommit(remaining)
      }
    },
    extra: () => ({}),
    close() {
      closed = true
    },
  }
  const firstBatch = collect(toNumber(command.batchSize) || 101)
  return context.server.cursors.pulling(`${db}.${name}`, source, context.session, firstBatch)
}

