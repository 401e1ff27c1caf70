import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TokenPayload, Trigger } from '@scraping-run/cloud'
import { RuntimeError, toInvokeError, type InvokeError } from '../../errors.js'
import type { Executor, FunctionRecord, InvokeInit } from '../../types.js'
import { bearerToken, tokenVerifier } from '../token.js'
import { parseBytes, readBody } from './body.js'
import { applyCors, type CorsOptions } from './cors.js'
import { DEBUG_LOGS_HEADER, DEBUG_SOURCE_HEADER, DEBUG_TIME_HEADER, DEVELOP_TOKEN_HEADER, decodeDebugSource, encodeDebugLogs } from './debug.js'
import { sendLambdaResult } from '../lambda/index.js'
import { sendError, sendResult } from './respond.js'
import { createOpenApiRoute, type OpenApiRouteOptions } from '../../openapi/route.js'
import { LAF_DEBUG_DATA_HEADER, LAF_DEBUG_LOGS_HEADER, LAF_DEBUG_TIME_HEADER, LAF_DEVELOP_TOKEN_HEADER, LAF_TRIGGER_TOKEN_HEADER, decodeLafDebugData, encodeLafDebugLogs, sendLafError, sendLafResult } from '../../laf/http.js'

export const TRIGGER_TOKEN_HEADER = 'x-scraping-run-trigger-token'

export interface HttpHandlerOptions {
  /** Largest accepted body, e.g. `'10mb'` (default) or a number of bytes. */
  bodyLimit?: string | number
  /** `true` reflects any origin; or restrict origins. Off by default. */
  cors?: boolean | CorsOptions
  /** Verifies `Authorization`, trigger and develop tokens. Default: the executor's secret. */
  jwtSecret?: string
  /** Accept develop tokens and debug source; put stacks in error responses. Never enable in production. */
  debug?: boolean
  /** Serve an OpenAPI 3.1 document of the functions (`true`: at `_/openapi.json` below the mount). Off by default. */
  openapi?: boolean | OpenApiRouteOptions
  /**
   * LAF's profile (default false): LAF's `x-laf-trigger-token`, `x-laf-develop-token` / `x-laf-debug-data` (debug still needs
   * `debug: true`) and `x-laf-debug-*` answers, a `request-id` header, and LAF's responses — 200 with an empty body for
   * nothing, `text/html` for strings and numbers, `500 {error: 'Internal Server Error', requestId}` for failures.
   */
  laf?: boolean
}

type Request = IncomingMessage & { body?: unknown; _body?: boolean; query?: unknown; originalUrl?: string }

/** Answers one request with the function its path names; never rejects (every failure is a JSON error response). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/

/**
 * The HTTP entry point on plain `node:http` (Express is a thin adapter over it): body parsing, request id, JWT →
 * `ctx.user`, CORS, the method check, results and errors. `http.createServer(createHttpHandler(executor))` works as is.
 */
export function createHttpHandler(executor: Executor, options: HttpHandlerOptions = {}): HttpHandler {
  if (!executor || typeof executor.invoke !== 'function') throw new RuntimeError('BAD_REQUEST', 'the HTTP entry point expects the executor createExecutor returned')
  const limit = parseBytes(options.bodyLimit ?? '10mb')
  const debug = options.debug === true
  const laf = options.laf === true
  const fail = laf ? sendLafError : sendError
  const succeed = laf ? sendLafResult : sendResult
  const lafHeader = (req: IncomingMessage, name: string) => (laf ? header(req, name) : undefined)
  const verify = tokenVerifier(executor, options.jwtSecret)
  const bearerUser = (req: IncomingMessage): TokenPayload | null => verify(bearerToken(header(req, 'authorization')))
  const openapi = options.openapi ? createOpenApiRoute(executor, options.openapi === true ? {} : options.openapi) : undefined

  async function handle(req: Request, res: ServerResponse): Promise<void> {
    const incomingId = header(req, 'x-request-id')
    const requestId = incomingId && SAFE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID()
    res.setHeader('x-request-id', requestId)
    if (laf) res.setHeader('request-id', requestId)
    if (options.cors && applyCors(req, res, options.cors === true ? {} : options.cors)) return

    // Split by hand: a URL object per request is measurable on the hot path.
    const rawUrl = req.url ?? '/'
    const queryAt = rawUrl.indexOf('?')
    const pathname = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)
    let name: string
    try {
      name = decodeURIComponent(pathname).replace(/^\/+|\/+$/g, '')
    } catch {
      return sendError(res, { code: 'BAD_REQUEST', message: 'malformed URL' }, requestId, debug)
    }
    if (openapi && name === openapi.path && (req.method === 'GET' || req.method === 'HEAD')) {
      return openapi.serve(req, res, bearerUser(req)).catch((error: unknown) => sendError(res, toInvokeError(error), requestId, debug))
    }
    // Internal functions (__init__, __interceptor__, __default__) are not reachable over HTTP.
    if (name === '' || name.startsWith('__')) {
      return sendError(res, { code: 'FUNCTION_NOT_FOUND', message: `function ${name || '(empty)'} not found` }, requestId, debug)
    }

    let trigger: Trigger = { kind: 'http' }
    const triggerToken = header(req, TRIGGER_TOKEN_HEADER) ?? lafHeader(req, LAF_TRIGGER_TOKEN_HEADER)
    if (triggerToken !== undefined) {
      const payload = verify(triggerToken)
      if (payload?.type !== 'trigger') {
        return sendError(res, { code: 'FORBIDDEN', message: `${TRIGGER_TOKEN_HEADER} is not a valid trigger token` }, requestId, debug)
      }
      trigger = { kind: 'cron', name: typeof payload.trigger === 'string' ? payload.trigger : 'trigger-token', scheduledAt: new Date().toISOString() }
    }

    let debugSource: InvokeInit['debugSource']
    const developToken = debug ? (header(req, DEVELOP_TOKEN_HEADER) ?? lafHeader(req, LAF_DEVELOP_TOKEN_HEADER)) : undefined
    if (developToken !== undefined) {
      if (verify(developToken)?.type !== 'develop') {
        return sendError(res, { code: 'FORBIDDEN', message: `${DEVELOP_TOKEN_HEADER} is not a valid develop token` }, requestId, debug)
      }
      const encoded = header(req, DEBUG_SOURCE_HEADER)
      const lafData = lafHeader(req, LAF_DEBUG_DATA_HEADER)
      try {
        if (encoded) debugSource = decodeDebugSource(encoded)
        else if (lafData) debugSource = decodeLafDebugData(lafData)
      } catch (error) {
        return sendError(res, toError(error), requestId, debug)
      }
    }

    let parsed
    try {
      parsed = await readBody(req, limit)
    } catch (error) {
      if (RuntimeError.is(error, 'PAYLOAD_TOO_LARGE')) res.setHeader('connection', 'close')
      return sendError(res, toError(error), requestId, debug)
    }

    const user = bearerUser(req)
    const result = await executor.invoke(name, {
      body: parsed.body,
      ...(parsed.raw ? { rawBody: parsed.raw } : {}),
      matchPrefix: true,
      ...(parsed.files ? { files: parsed.files } : {}),
      query: queryAt < 0 ? {} : typeof req.query === 'object' && req.query !== null ? (req.query as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(rawUrl.slice(queryAt + 1))),
      headers: req.headers,
      method: req.method ?? 'GET',
      path: (req.originalUrl ?? rawUrl).split('?', 1)[0]!,
      user,
      trigger,
      // The client went away before we answered: the function learns it through ctx.signal.
      signal: disconnectSignal(res),
      requestId,
      request: req,
      response: res,
      // Methods are an HTTP matter, checked here and not in the executor; cron calls and debug runs skip it.
      ...(trigger.kind === 'http' && developToken === undefined ? { check: (record: FunctionRecord) => checkMethod(record, req.method ?? 'GET', name) } : {}),
      ...(developToken !== undefined ? { debugSource: debugSource ?? (await storedSourceForDebug(executor, name)) } : {}),
    })
    if (developToken !== undefined && !res.headersSent) {
      res.setHeader(DEBUG_LOGS_HEADER, encodeDebugLogs(result.logs))
      res.setHeader(DEBUG_TIME_HEADER, result.durationMs.toFixed(3))
      // LAF clients read the time as `…-debug-time-usage`.
      res.setHeader(`${DEBUG_TIME_HEADER}-usage`, result.durationMs.toFixed(3))
      if (laf) {
        res.setHeader(LAF_DEBUG_LOGS_HEADER, encodeLafDebugLogs(result.logs))
        res.setHeader(LAF_DEBUG_TIME_HEADER, result.durationMs.toFixed(3))
      }
    }
    if (result.error) return fail(res, result.error, requestId, debug)
    try {
      if (result.lambda) sendLambdaResult(res, result.data, result.lambda)
      else succeed(res, result.data, requestId, debug)
    } catch (error) {
      if (RuntimeError.is(error, 'INVALID_LAMBDA_RESULT')) return sendError(res, toError(error), requestId, debug)
      // A result that throws when looked at (a Proxy, a getter): the function's failure, answered as such.
      fail(res, { code: 'FUNCTION_ERROR', message: `the function returned a value that cannot be sent: ${toError(error).message}` }, requestId, debug)
    }
  }

  return (req, res) =>
    handle(req as Request, res).catch((error) => {
      // Only a bug in this adapter lands here; it still gets a JSON answer, never the host's HTML error page.
      console.error('[scraping-run] the HTTP entry point failed:', error)
      if (!res.headersSent) sendError(res, { code: 'FUNCTION_ERROR', message: 'internal error' }, 'unknown', false)
      else if (!res.writableEnded) res.end()
    })
}

function checkMethod(record: FunctionRecord, method: string, name: string): void {
  const upper = method.toUpperCase()
  if (record.methods && !record.methods.includes(upper)) {
    throw new RuntimeError('METHOD_NOT_ALLOWED', `${name} does not answer ${upper} (allowed: ${record.methods.join(', ')})`)
  }
}

/** A develop token without debug source debugs the stored function: same path, and logs come back in headers. */
async function storedSourceForDebug(executor: Executor, name: string): Promise<InvokeInit['debugSource']> {
  const record = await executor.store.get(name).catch(() => undefined)
  return record ? { source: record.source, ...(record.language ? { language: record.language } : {}) } : undefined
}

/**
 * The part of AbortSignal the executor reads (`aborted`, one 'abort' listener), aborted when the client disconnects
 * before the response is finished. An AbortController per request costs more than the rest of this adapter.
 */
function disconnectSignal(res: ServerResponse): AbortSignal {
  let listener: (() => void) | undefined
  const signal = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener(_type: 'abort', next: () => void) {
      listener = next
    },
    removeEventListener() {
      listener = undefined
    },
  }
  res.once('close', () => {
    if (res.writableFinished) return
    signal.aborted = true
    signal.reason = new RuntimeError('ABORTED', 'the client disconnected')
    listener?.()
  })
  return signal as unknown as AbortSignal
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function toError(error: unknown): InvokeError {
  if (RuntimeError.is(error)) return { code: error.code, message: error.message }
  const { message } = toInvokeError(error)
  return { code: 'BAD_REQUEST', message }
}
