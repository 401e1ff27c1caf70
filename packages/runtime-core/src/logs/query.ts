import type { Document } from 'mongodb'
import { RuntimeError } from '../errors.js'

/** What `queryLogs` accepts; every field is optional and they combine with AND. Newest records first. */
export interface LogQuery {
  functionName?: string
  requestId?: string
  status?: 'ok' | 'error'
  /** A trigger kind: `http`, `invoke`, `cron`, `mcp`, … */
  trigger?: string
  /** Started at or after (a Date, an ISO string or epoch milliseconds). */
  since?: Date | string | number
  /** Started before. */
  until?: Date | string | number
  /** Default 100, at most 1000. */
  limit?: number
}

export const DEFAULT_QUERY_LIMIT = 100
export const MAX_QUERY_LIMIT = 1000

const STRING_FIELDS = ['functionName', 'requestId', 'trigger'] as const

function bad(message: string): RuntimeError {
  return new RuntimeError('BAD_REQUEST', `queryLogs: ${message}`)
}

function toDate(value: unknown, field: string): Date {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined
  if (!date || Number.isNaN(date.getTime())) throw bad(`${field} must be a Date, an ISO date string or epoch milliseconds`)
  return date
}

/**
 * A MongoDB filter from a query, refusing anything that is not a plain value: a request id that is an object
 * (`?requestId[$ne]=x` through a query-string parser) must never become an operator.
 */
export function logFilter(query: LogQuery = {}): { filter: Document; limit: number } {
  if (typeof query !== 'object' || query === null) throw bad('expects an object')
  const filter: Document = {}
  for (const field of STRING_FIELDS) {
    const value = query[field]
    if (value === undefined) continue
    if (typeof value !== 'string' || value === '') throw bad(`${field} must be a non-empty string`)
    filter[field === 'trigger' ? 'trigger.kind' : field] = value
  }
  if (query.status !== undefined) {
    if (query.status !== 'ok' && query.status !== 'error') throw bad(`status must be 'ok' or 'error'`)
    filter.status = query.status
  }
  if (query.since !== undefined || query.until !== undefined) {
    const range: Document = {}
    if (query.since !== undefined) range.$gte = toDate(query.since, 'since')
    if (query.until !== undefined) range.$lt = toDate(query.until, 'until')
    filter.startedAt = range
  }
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) throw bad(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`)
  return { filter, limit }
}

/** The same query over records in memory (memorySink), newest first. */
export function matchLogs<T extends { functionName: string; requestId: string; status: string; trigger: { kind: string }; startedAt: Date }>(records: T[], query: LogQuery = {}): T[] {
  const { filter, limit } = logFilter(query)
  const range = filter.startedAt as { $gte?: Date; $lt?: Date } | undefined
  const matches = records.filter(
    (record) =>
      (filter.functionName === undefined || record.functionName === filter.functionName) &&
      (filter.requestId === undefined || record.requestId === filter.requestId) &&
      (filter.status === undefined || record.status === filter.status) &&
      (filter['trigger.kind'] === undefined || record.trigger.kind === filter['trigger.kind']) &&
      (range?.$gte === undefined || record.startedAt >= range.$gte) &&
      (range?.$lt === undefined || record.startedAt < range.$lt),
  )
  return matches.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, limit)
}
