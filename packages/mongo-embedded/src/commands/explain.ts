// explain: the plan the planner picks for a find/count/distinct/aggregate/update/delete/findAndModify, and, unless the
// verbosity is `queryPlanner`, what running it examined.
import type { Document } from 'bson'
import { Edge, type Interval, MAX, MIN } from '../engine/bounds.js'
import { parseSort } from '../engine/compare.js'
import { badValue } from '../engine/errors.js'
import { plan, type Plan, type ScanStats } from '../engine/planner.js'
import { selectDocuments } from '../engine/query.js'
import { toNumber, toView } from '../engine/values.js'
import { collectionName, type Handler } from './context.js'

const EDGES: Record<number, [string, string]> = { 3: ['-inf.0', 'inf.0'], 4: ['""', '{}'], 10: ['new Date(-9223372036854775808)', 'new Date(9223372036854775807)'] }

function showBound(bound: unknown, low: boolean): string {
  if (bound === MIN) return 'MinKey'
  if (bound === MAX) return 'MaxKey'
  if (bound instanceof Edge) return EDGES[bound.rank]?.[low ? 0 : 1] ?? (low ? 'MinKey' : 'MaxKey')
  return typeof bound === 'string' ? JSON.stringify(bound) : JSON.stringify(toView(bound)) ?? String(bound)
}

function showInterval(interval: Interval, direction: number): string {
  // A descending field's bounds read from high to low, as MongoDB shows them.
  if (direction < 0) {
    return `${interval.highInclusive ? '[' : '('}${showBound(interval.high, false)}, ${showBound(interval.low, true)}${interval.lowInclusive ? ']' : ')'}`
  }
  return `${interval.lowInclusive ? '[' : '('}${showBound(interval.low, true)}, ${showBound(interval.high, false)}${interval.highInclusive ? ']' : ')'}`
}

/** The winning plan as MongoDB 7.0 shows it: IDHACK, COLLSCAN, or FETCH over IXSCAN, under SORT when sorted in memory. */
function planStage(chosen: Plan, filter: Document, sort: Document | undefined): Document {
  let stage: Document
  if (chosen.stage === 'COLLSCAN') stage = { stage: 'COLLSCAN', filter, direction: 'forward' }
  else if (chosen.stage === 'IDHACK') stage = { stage: 'IDHACK' }
  else {
    const spec = chosen.index!
    const fields = Object.keys(spec.key)
    const indexBounds = Object.fromEntries(fields.map((field, i) => [field, chosen.bounds![i]!.map((interval) => showInterval(interval, Number(spec.key[field]) < 0 ? -1 : 1))]))
    const scan = {
      stage: 'IXSCAN', keyPattern: spec.key, indexName: spec.name, isMultiKey: !!chosen.multikey, isUnique: !!spec.unique || spec.name === '_id_',
      isSparse: !!spec.sparse, isPartial: false, indexVersion: 2, direction: chosen.reverse ? 'backward' : 'forward', indexBounds,
    }
    stage = { stage: 'FETCH', filter, inputStage: scan }
  }
  if (sort && Object.keys(sort).length && !chosen.sorted) stage = { stage: 'SORT', sortPattern: sort, inputStage: stage }
  return stage
}

interface Explained {
  collection: string
  filter: Document
  sort?: Document
  skip?: number
  limit?: number
  collation?: Document
  hint?: unknown
}

function describe(inner: Document, verb: string): Explained {
  const collection = inner[verb] as string
  switch (verb) {
    case 'find':
      return { collection, filter: (inner.filter as Document) ?? {}, sort: inner.sort as Document, skip: toNumber(inner.skip), limit: toNumber(inner.limit), collation: inner.collation as Document, hint: inner.hint }
    case 'count':
    case 'distinct':
      return { collection, filter: (inner.query as Document) ?? {}, collation: inner.collation as Document }
    case 'findAndModify':
      return { collection, filter: (inner.query as Document) ?? {}, sort: inner.sort as Document, limit: 1 }
    case 'update':
    case 'delete': {
      const statement = ((inner[verb === 'update' ? 'updates' : 'deletes'] as Document[]) ?? [])[0] ?? {}
      return { collection, filter: (statement.q as Document) ?? {}, limit: verb === 'delete' ? toNumber(statement.limit) : statement.multi ? 0 : 1 }
    }
    case 'aggregate': {
      // Leading $match stages are what the plan serves; the rest runs in memory on its output.
      const stages = ((inner.pipeline as Document[]) ?? []).filter((stage, i, all) => all.slice(0, i + 1).every((s) => Object.keys(s)[0] === '$match'))
      const filters = stages.map((stage) => stage.$match as Document)
      return { collection, filter: filters.length === 1 ? filters[0]! : filters.length ? { $and: filters } : {}, collation: inner.collation as Document }
    }
  }
  throw badValue(`Explain is not supported for the ${verb} command`)
}

export const explain: Handler = (context) => {
  const inner = context.command.explain as Document | undefined
  if (!inner || typeof inner !== 'object') throw badValue('explain must be an object')
  const verb = Object.keys(inner)[0]!
  const name = collectionName({ ...context, command: inner }, verb)
  const what = describe(inner, verb)
  const state = context.ws.collection(context.db, name)
  const sortSpec = parseSort(what.sort)
  const chosen: Plan = state ? plan(state, what.filter, sortSpec, what.collation, what.hint) : { stage: 'COLLSCAN', sorted: false, reverse: false }
  const winningPlan = planStage(chosen, what.filter, what.sort)
  const reply: Document = {
    explainVersion: '1',
    queryPlanner: { namespace: `${context.db}.${name}`, indexFilterSet: false, parsedQuery: what.filter, winningPlan, rejectedPlans: [] },
  }
  const verbosity = context.command.verbosity ?? 'allPlansExecution'
  if (verbosity !== 'queryPlanner') {
    const stats: ScanStats = { keysExamined: 0, docsExamined: 0 }
    const start = performance.now()
    const found = selectDocuments(state, what.filter, { sort: what.sort, skip: what.skip, limit: what.limit, collation: what.collation, hint: what.hint, stats })
    reply.executionStats = {
      executionSuccess: true, nReturned: found.length, executionTimeMillis: Math.round(performance.now() - start),
      totalKeysExamined: stats.keysExamined, totalDocsExamined: stats.docsExamined, executionStages: winningPlan,
    }
  }
  return { ...reply, command: inner, serverInfo: { host: context.server.address, version: '7.0.0' }, ok: 1 }
}
