// The 8.0 `bulkWrite` command that `MongoClient.bulkWrite` sends: mixed inserts, updates and deletes across namespaces.
import { type Document, Long } from 'bson'
import { badValue } from '../engine/errors.js'
import { toNumber } from '../engine/values.js'
import { type CommandContext, type Handler, insertDocument, writeError } from './context.js'
import { runDelete, runUpdate } from './write.js'

const bulkWrite: Handler = (context) => {
  const { command } = context
  const ops = command.ops
  const nsInfo = command.nsInfo
  if (!Array.isArray(ops) || !Array.isArray(nsInfo)) throw badValue('bulkWrite needs ops and nsInfo arrays')
  const ordered = command.ordered !== false
  const counts = { nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0, nErrors: 0 }
  const results: Document[] = []
  for (let idx = 0; idx < ops.length; idx++) {
    const op = ops[idx] as Document
    const kind = Object.keys(op)[0]
    const index = toNumber(op[kind!])
    const ns = (nsInfo[index ?? -1] as Document | undefined)?.ns
    try {
      if (typeof ns !== 'string' || !ns.includes('.')) throw badValue(`bulkWrite op ${idx} names no valid namespace`)
      const target: CommandContext = { ...context, db: ns.slice(0, ns.indexOf('.')) }
      const coll = ns.slice(ns.indexOf('.') + 1)
      if (kind === 'insert') {
        insertDocument(target, coll, op.document as Document)
        counts.nInserted++
        results.push({ ok: 1, idx, n: 1 })
      } else if (kind === 'update') {
        const outcome = runUpdate(target, coll, { q: op.filter, u: op.updateMods, multi: !!op.multi, upsert: !!op.upsert, arrayFilters: op.arrayFilters, sort: op.sort })
        counts.nMatched += outcome.upserted === undefined ? outcome.n : 0
        counts.nModified += outcome.nModified
        const entry: Document = { ok: 1, idx, n: outcome.n, nModified: outcome.nModified }
        if (outcome.upserted !== undefined) {
          counts.nUpserted++
          entry.upserted = { _id: outcome.upserted }
        }
        results.push(entry)
      } else if (kind === 'delete') {
        const n = runDelete(target, coll, (op.filter as Document) ?? {}, op.multi ? 0 : 1).length
        counts.nDeleted += n
        results.push({ ok: 1, idx, n })
      } else throw badValue(`unknown bulkWrite operation ${kind}`)
    } catch (error) {
      counts.nErrors++
      const { index: _, ...details } = writeError(error, idx)
      results.push({ ok: 0, idx, ...details })
      if (ordered) break
    }
  }
  const firstBatch = command.errorsOnly ? results.filter((entry) => entry.ok === 0) : results
  return { cursor: { id: Long.ZERO, firstBatch, ns: 'admin.$cmd.bulkWrite' }, ...counts, ok: 1 }
}

export const bulkCommands: Record<string, Handler> = { bulkWrite }
