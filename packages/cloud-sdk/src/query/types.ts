import type { DbRequest, DbResponse } from '../protocol.js'

/**
 * Carries a request to whatever executes it: `createCloudClient` posts it to `/proxy/:policy`, a runtime runs it
 * directly or through `proxy.handle`. `request` holds EJSON values; the response's `data` is EJSON too.
 */
export interface DbTransport {
  send(request: DbRequest): Promise<DbResponse>
}

/** What every result carries: `ok`, and `code` / `error` when the proxy refused or failed. */
export interface BaseResult {
  ok: boolean
  code?: string | number
  error?: unknown
}

/** A document as the builder returns it: your fields plus `_id`. */
export type WithId<T> = T & { _id: any }

export interface GetRes<T> extends BaseResult {
  data: WithId<T>[]
  /** Set when the query asked for it: `page()` does. */
  total?: number
  limit?: number
  offset?: number
}

export interface GetOneRes<T> extends BaseResult {
  data: WithId<T> | null
}

export interface CountRes extends BaseResult {
  total: number | undefined
}

export interface UpdateRes extends BaseResult {
  updated: number | undefined
  matched: number | undefined
  /** The new document's id when an upsert inserted one. */
  upsertId: unknown
}

export interface AddRes extends BaseResult {
  /** The new id; for an array of documents, the array of ids. */
  id: unknown
  /** Every new id, in input order. */
  ids: unknown[]
  insertedCount: number | undefined
}

export interface RemoveRes extends BaseResult {
  deleted: number | undefined
}

export interface AggregateRes<T> extends BaseResult {
  data: T[]
}

export interface UpdateOptions {
  /** Update every matching document (default: the first). */
  multi?: boolean
  /** `true` (default): merge with operators; `false`: replace the document. */
  merge?: boolean
  /** Insert when nothing matches. */
  upsert?: boolean
}

export type Projection = string[] | Record<string, 0 | 1 | boolean>
