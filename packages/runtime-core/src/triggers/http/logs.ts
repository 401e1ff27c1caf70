// Admin routes for observability: the invocation log query and the Prometheus text. Plain node:http handlers, so they
// mount on Express (`app.use('/logs', handler)`) or `http.createServer(handler)`. Neither answers an unauthenticated call.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createTokenHelpers, type TokenPayload } from '@scraping-run/cloud'
import { RuntimeError } from '../../errors.js'
import type { LogQuery } from '../../logs/query.js'
import type { InvocationLog } from '../../types.js'

/** Decides whether a request may read logs or metrics (a session cookie, an API key, mTLS, …). */
export type AdminAuthenticate = (req: IncomingMessage) => boolean | Promise<boolean>

export interface AdminRouteAuth {
  /** Your own check; when given, tokens are not looked at. */
  authenticate?: AdminAuthenticate
  /** Verifies `Authorization: Bearer <jwt>` with `type: 'admin'` using the executor's secret. */
  executor?: { parseToken(token: string | null | undefined): TokenPayload | null }
  /** Verifies admin tokens with this secret instead of the executor's. */
  jwtSecret?: string
}

export interface LogsHandlerOptions extends AdminRouteAuth {
  /** A sink that can answer queries: `mongoSink(…)` or `memorySink()`. */
  sink: { queryLogs(query?: LogQuery): Promise<InvocationLog[]> }
}

export interface MetricsHandlerOptions extends AdminRouteAuth {
  /** The sink `metricsSink()` returned. */
  metrics: { metrics(): Promise<string>; readonly contentType: string }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

const STATUS: Record<string, number> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, METHOD_NOT_ALLOWED: 405 }

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.setHeader('content-length', Buffer.byteLength(json))
  res.end(json)
}

function sendFailure(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.end()
  if (RuntimeError.is(error)) return sendJson(res, STATUS[error.code] ?? 500, { error: error.message, code: error.code })
  // A database failure: say so without leaking its details to the client.
  console.error('[scraping-run] an admin route failed:', error)
  sendJson(res, 500, { error: 'internal error', code: 'FUNCTION_ERROR' })
}

/** Builds the check once; refuses to build a route that would answer anyone. */
function authenticator(options: AdminRouteAuth, route: string): (req: IncomingMessage) => Promise<void> {
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') throw new RuntimeError('BAD_REQUEST', `${route}: authenticate must be a function (req) => boolean`)
  if (!options.authenticate && !options.jwtSecret && typeof options.executor?.parseToken !== 'function') {
    throw new RuntimeError('BAD_REQUEST', `${route} needs authentication: pass {executor} (admin JWTs signed with its secret), {jwtSecret} or {authenticate(req)}`)
  }
  if (options.authenticate) {
    const check = options.authenticate
    return async (req) => {
      if ((await check(req)) !== true) throw new RuntimeError('UNAUTHORIZED', 'not authenticated')
    }
  }
  const parse = options.jwtSecret ? createTokenHelpers(options.jwtSecret).parseToken : (token: string) => options.executor!.parseToken(token)
  return async (req) => {
    const header = req.headers.authorization
    const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : ''
    const payload = token ? parse(token) : null
    if (!payload) throw new RuntimeError('UNAUTHORIZED', 'an admin token is required: Authorization: Bearer <jwt with type "admin">')
    if (payload.type !== 'admin') throw new RuntimeError('FORBIDDEN', 'this token is not an admin token (type "admin")')
  }
}

function onlyGet(req: IncomingMessage): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new RuntimeError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here: use GET`)
}

const QUERY_KEYS = new Set(['functionName', 'requestId', 'status', 'trigger', 'since', 'until', 'limit'])

/** `?functionName=&requestId=&status=&trigger=&since=&until=&limit=`, or a request id as the path (`/logs/<id>`). */
export function parseLogQuery(url: string): LogQuery {
  const at = url.indexOf('?')
  const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1))
  const query: Record<string, unknown> = {}
  for (const key of params.keys()) {
    // `requestId[$ne]=x` and typos are refused rather than ignored (which would widen the query).
    if (!QUERY_KEYS.has(key)) throw new RuntimeError('BAD_REQUEST', `unknown parameter ${JSON.stringify(key)}: use ${[...QUERY_KEYS].join(', ')}`)
  }
  for (const key of ['functionName', 'requestId', 'status', 'trigger', 'since', 'until'] as const) {
    const values = params.getAll(key)
    if (values.length > 1) throw new RuntimeError('BAD_REQUEST', `${key} given more than once`)
    if (values.length) query[key] = values[0]
  }
  const limit = params.get('limit')
  if (limit !== null) query.limit = /^\d+$/.test(limit) ? Number(limit) : Number.NaN
  let path: string
  try {
    path = decodeURIComponent(at < 0 ? url : url.slice(0, at)).replace(/^\/+|\/+$/g, '')
  } catch {
    throw new RuntimeError('BAD_REQUEST', 'malformed URL')
  }
  if (path) {
    if (path.includes('/') || query.requestId !== undefined) throw new RuntimeError('BAD_REQUEST', 'use /<requestId> or ?requestId=, not both')
    query.requestId = path
  }
  return query as LogQuery
}

/**
 * `GET /?requestId=…` (or `GET /<requestId>`) → `{logs: [...]}`, newest first, from a sink's `queryLogs`. Requires an
 * admin JWT (verified with the executor's secret or `jwtSecret`) or your `authenticate(req)`.
 */
export function createLogsHandler(options: LogsHandlerOptions): Handler {
  if (typeof options?.sink?.queryLogs !== 'function') throw new RuntimeError('BAD_REQUEST', 'createLogsHandler needs {sink} with queryLogs (mongoSink or memorySink)')
  const authenticate = authenticator(options, 'createLogsHandler')
  return async (req, res) => {
    try {
      await authenticate(req)
      onlyGet(req)
      const logs = await options.sink.queryLogs(parseLogQuery(req.url ?? '/'))
      sendJson(res, 200, { logs })
    } catch (error) {
      sendFailure(res, error)
    }
  }
}

/** `GET /` → the Prometheus text of a `metricsSink()`. Authenticated like the logs route (Prometheus sends bearer tokens). */
export function createMetricsHandler(options: MetricsHandlerOptions): Handler {
  if (typeof options?.metrics?.metrics !== 'function') throw new RuntimeError('BAD_REQUEST', 'createMetricsHandler needs {metrics}: the sink metricsSink() returned')
  const authenticate = authenticator(options, 'createMetricsHandler')
  return async (req, res) => {
    try {
      await authenticate(req)
      onlyGet(req)
      const text = await options.metrics.metrics()
      res.statusCode = 200
      res.setHeader('content-type', options.metrics.contentType)
      res.setHeader('cache-control', 'no-store')
      res.end(text)
    } catch (error) {
      sendFailure(res, error)
    }
  }
}
