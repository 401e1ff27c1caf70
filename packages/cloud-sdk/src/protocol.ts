// The db-proxy wire format: LAF's database-ql / database-proxy request and response shapes, so LAF clients keep working.
// Values travel as Extended JSON (relaxed), which keeps ObjectId, Date, Decimal128 and friends intact over plain JSON.
// Browser-safe: imports only `bson`, which is isomorphic.
import { EJSON } from 'bson'

export { EJSON, ObjectId } from 'bson'

/** Every action the proxy understands, keyed by the builder method that sends it. */
export const DB_ACTIONS = {
  query: 'database.queryDocument',
  add: 'database.addDocument',
  update: 'database.updateDocument',
  remove: 'database.deleteDocument',
  count: 'database.countDocument',
  aggregate: 'database.aggregateDocuments',
} as const

export type DbAction = (typeof DB_ACTIONS)[keyof typeof DB_ACTIONS]

export type OrderDirection = 'asc' | 'desc'

export interface DbOrder {
  field: string
  direction: OrderDirection
}

/** One aggregation stage as LAF sends it: the stage name and its argument as an EJSON string. */
export interface AggregateStage {
  stageKey: string
  stageValue: string
}

/** The body of `POST /proxy/:policy`. `query`, `data` are EJSON values; `stages[].stageValue` are EJSON strings. */
export interface DbRequest {
  action: DbAction
  collectionName: string
  query?: Record<string, unknown>
  data?: unknown
  order?: DbOrder[]
  offset?: number
  limit?: number
  projection?: Record<string, 0 | 1 | boolean>
  count?: boolean
  multi?: boolean
  merge?: boolean
  upsert?: boolean
  stages?: AggregateStage[]
}

/** `database.queryDocument`: the page of documents, and `total` when the request asked for `count`. */
export interface ReadResult<T = Record<string, unknown>> {
  list: T[]
  total?: number
  limit: number
  offset: number
}

/** `database.addDocument`: the id (or ids, for a multi add, in input order). */
export interface AddResult {
  _id: unknown
  insertedCount: number
}

/** `database.updateDocument`. `upsert_id` is set when an upsert inserted a document. */
export interface UpdateResult {
  upsert_id: unknown
  updated: number
  matched: number
}

export interface RemoveResult {
  deleted: number
}

export interface CountResult {
  total: number
}

export interface AggregateResult<T = Record<string, unknown>> {
  list: T[]
}

/** One reason a policy refused a request. `rule` names the rule that was tried, e.g. `posts.update[1]`. */
export interface PolicyViolation {
  rule: string
  validator: string
  message: string
}

export interface DbSuccessResponse<T = unknown> {
  code: 0
  data: T
}

/** `code` is `'permission denied'` (403, with `error` a list of violations) or one of the proxy's error codes. */
export interface DbErrorResponse {
  code: string
  error: string | PolicyViolation[]
}

export type DbResponse<T = unknown> = DbSuccessResponse<T> | DbErrorResponse

/** Converts a value with BSON types (ObjectId, Date, …) to relaxed Extended JSON, ready for `JSON.stringify`. */
export function toEJSON<T = unknown>(value: unknown): T {
  if (value === undefined) return undefined as T
  return EJSON.serialize(value, { relaxed: true }) as T
}

/** Converts relaxed or canonical Extended JSON back to BSON types. Throws on malformed EJSON (`{"$oid": "nope"}`). */
export function fromEJSON<T = unknown>(value: unknown): T {
  if (value === undefined || value === null || typeof value !== 'object') return value as T
  return EJSON.deserialize(value as Record<string, unknown>, { relaxed: true }) as T
}

/** `EJSON.stringify` with the settings the proxy expects for aggregate stage values. */
export function stringifyEJSON(value: unknown): string {
  return EJSON.stringify(value, { relaxed: true })
}

/** `EJSON.parse` with the settings the proxy uses. */
export function parseEJSON<T = unknown>(text: string): T {
  return EJSON.parse(text, { relaxed: true }) as T
}

export { isPlainObject } from './plain.js'

/** True for a response with `code: 0`. */
export function isDbSuccess<T>(response: DbResponse<T>): response is DbSuccessResponse<T> {
  return response.code === 0
}
