import { CloudError } from '../errors.js'
import { DB_ACTIONS, fromEJSON, toEJSON, type DbAction, type DbOrder, type DbRequest, type DbResponse } from '../protocol.js'
import { assertNoCommands, encodeQuery, encodeUpdate } from './encode.js'
import type { CountRes, DbTransport, GetOneRes, GetRes, Projection, RemoveRes, UpdateOptions, UpdateRes } from './types.js'

interface QueryState {
  filter?: Record<string, unknown>
  order: DbOrder[]
  limit?: number
  offset?: number
  projection?: Record<string, 0 | 1>
  count?: boolean
}

/** Sends one request and decodes the EJSON in the answer; transport failures reject, refusals resolve with `ok: false`. */
export async function send(transport: DbTransport, request: DbRequest): Promise<DbResponse> {
  const response = await transport.send(request)
  if (response.code === 0) return { code: 0, data: fromEJSON(response.data) }
  return response
}

function failure(response: DbResponse) {
  return { ok: false as const, code: response.code, error: 'error' in response ? response.error : undefined }
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new CloudError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}`)
  return value
}

/** An immutable query over one collection: every method returns a new query. */
export class Query<T = Record<string, unknown>> {
  protected readonly transport: DbTransport
  readonly collectionName: string
  protected readonly state: QueryState

  /** @internal Use `db.collection(name)`. */
  constructor(transport: DbTransport, collectionName: string, state: QueryState = { order: [] }) {
    this.transport = transport
    this.collectionName = collectionName
    this.state = state
  }

  protected next(change: Partial<QueryState>): Query<T> {
    return new Query<T>(this.transport, this.collectionName, { ...this.state, ...change })
  }

  /** Filters by a plain object (LAF style: nested objects match dotted paths) with `db.command` operators. */
  where(query: Record<string, unknown> | unknown): Query<T> {
    // `where({author: maybeUndefined})` would otherwise become `{}` and match (or remove) everything.
    if (query !== null && typeof query === 'object' && !Array.isArray(query)) {
      const values = Object.values(query as Record<string, unknown>)
      if (values.length > 0 && values.every((value) => value === undefined)) {
        throw new CloudError('INVALID_ARGUMENT', 'where(query): every value is undefined, which would match every document')
      }
    }
    return this.next({ filter: encodeQuery(query) })
  }

  orderBy(field: string, direction: 'asc' | 'desc' = 'asc'): Query<T> {
    if (typeof field !== 'string' || field.length === 0) throw new CloudError('INVALID_ARGUMENT', 'orderBy(field) needs a field name')
    if (direction !== 'asc' && direction !== 'desc') throw new CloudError('INVALID_ARGUMENT', "orderBy direction must be 'asc' or 'desc'")
    return this.next({ order: [...this.state.order, { field, direction }] })
  }

  limit(n: number): Query<T> {
    return this.next({ limit: integer('limit', n, 1) })
  }

  skip(n: number): Query<T> {
    return this.next({ offset: integer('skip', n, 0) })
  }

  /** `['title', 'author']` keeps those fields; `{body: 0}` drops one. */
  field(spec: Projection): Query<T> {
    const projection: Record<string, 0 | 1> = {}
    if (Array.isArray(spec)) for (const key of spec) projection[key] = 1
    else for (const [key, value] of Object.entries(spec)) projection[key] = value ? 1 : 0
    return this.next({ projection })
  }

  /** Page `current` (from 1) of `size` documents; `get()` then also returns `total`. */
  page({ current = 1, size = 10 }: { current?: number; size?: number } = {}): Query<T> {
    integer('page current', current, 1)
    integer('page size', size, 1)
    return this.next({ offset: (current - 1) * size, limit: size, count: true })
  }

  protected request(action: DbAction): DbRequest {
    const request: DbRequest = { action, collectionName: this.collectionName }
    if (this.state.filter) request.query = toEJSON(this.state.filter)
    return request
  }

  async get(): Promise<GetRes<T>> {
    const request = this.request(DB_ACTIONS.query)
    const { order, offset, limit, projection, count } = this.state
    if (order.length) request.order = order
    if (offset) request.offset = offset
    if (limit !== undefined) request.limit = limit
    if (projection) request.projection = projection
    if (count) request.count = true
    const response = await send(this.transport, request)
    if (response.code !== 0) return { ...failure(response), data: [] }
    const data = (response as { data: { list: any[]; total?: number; limit?: number; offset?: number } }).data
    const result: GetRes<T> = { ok: true, data: data.list }
    // LAF's client read `res.total` instead of `res.data.total` and so lost the total of page(); we read the data.
    if (data.total !== undefined) result.total = data.total
    if (data.limit !== undefined) result.limit = data.limit
    if (data.offset !== undefined) result.offset = data.offset
    return result
  }

  async getOne(): Promise<GetOneRes<T>> {
    const result = await this.limit(1).get()
    if (!result.ok) return { ok: false, code: result.code, error: result.error, data: null }
    return { ok: true, data: result.data[0] ?? null }
  }

  async count(): Promise<CountRes> {
    const response = await send(this.transport, this.request(DB_ACTIONS.count))
    if (response.code !== 0) return { ...failure(response), total: undefined }
    return { ok: true, total: (response as { data: { total: number } }).data.total }
  }

  /** Merges `data` (fields and `db.command` update operators) into the first match, or every match with `multi`. */
  async update(data: Record<string, unknown>, options: UpdateOptions = {}): Promise<UpdateRes> {
    const { multi = false, merge = true, upsert = false } = options
    if (data === null || typeof data !== 'object' || Object.keys(data).length === 0) {
      throw new CloudError('INVALID_ARGUMENT', 'update(data) needs a non-empty object')
    }
    if (Object.prototype.hasOwnProperty.call(data, '_id')) throw new CloudError('INVALID_ARGUMENT', 'update(data) cannot change `_id`')
    if (!merge) assertNoCommands(data, 'a replacement document')
    const request = this.request(DB_ACTIONS.update)
    request.data = toEJSON(merge ? encodeUpdate(data) : data)
    request.multi = multi
    request.merge = merge
    request.upsert = upsert
    const response = await send(this.transport, request)
    if (response.code !== 0) return { ...failure(response), updated: undefined, matched: undefined, upsertId: undefined }
    const result = (response as { data: { updated: number; matched: number; upsert_id?: unknown } }).data
    return { ok: true, updated: result.updated, matched: result.matched, upsertId: result.upsert_id ?? null }
  }

  /** Removes the first match, or every match with `{multi: true}`. */
  async remove(options: { multi?: boolean } = {}): Promise<RemoveRes> {
    const request = this.request(DB_ACTIONS.remove)
    request.multi = options.multi ?? false
    const response = await send(this.transport, request)
    if (response.code !== 0) return { ...failure(response), deleted: undefined }
    return { ok: true, deleted: (response as { data: { deleted: number } }).data.deleted }
  }
}
