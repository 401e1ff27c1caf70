// The HTTP side of the LAF profile: LAF's headers and LAF's way of answering. Results LAF mishandles (a stream, a function
// still writing to ctx.response after it returned) keep the suite's working behaviour.
import type { ServerResponse } from 'node:http'
import { RuntimeError, type InvokeError } from '../errors.js'
import type { FunctionLanguage, LogRecord } from '../types.js'
import { decodeDebugHeader, encodeDebugHeader } from '../triggers/http/debug.js'
import { sendError, sendResult, statusFor } from '../triggers/http/respond.js'

export const LAF_TRIGGER_TOKEN_HEADER = 'x-laf-trigger-token'
export const LAF_DEVELOP_TOKEN_HEADER = 'x-laf-develop-token'
export const LAF_DEBUG_DATA_HEADER = 'x-laf-debug-data'
export const LAF_DEBUG_LOGS_HEADER = 'x-laf-debug-logs'
export const LAF_DEBUG_TIME_HEADER = 'x-laf-debug-time-usage'

/**
 * LAF's mapping: nothing (or null) → 200 with an empty body, a string or a number → `text/html`, anything else as the
 * suite sends it (objects as JSON, bytes, streams).
 */
export function sendLafResult(res: ServerResponse, data: unknown, requestId: string, debug: boolean): void {
  if (res.headersSent || res.writableEnded) return
  if (data === undefined || data === null) {
    res.setHeader('content-length', 0)
    res.end()
    return
  }
  if (typeof data === 'string' || typeof data === 'number') {
    const text = String(data)
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/html; charset=utf-8')
    res.setHeader('content-length', Buffer.byteLength(text))
    res.end(text)
    return
  }
  sendResult(res, data, requestId, debug)
}

/**
 * LAF's generic answer to a failure: `500 {error: 'Internal Server Error', requestId}`, so no error message (nor a secret
 * in one) reaches the client; the log has the details. Client errors (404, 405, 403, 400, 413) keep their code.
 */
export function sendLafError(res: ServerResponse, error: InvokeError, requestId: string, debug: boolean): void {
  if (statusFor(error.code) !== 500 || res.headersSent) return sendError(res, error, requestId, debug)
  const json = JSON.stringify({ error: 'Internal Server Error', requestId })
  res.statusCode = 500
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(json))
  res.end(json)
}

/** `x-laf-debug-data`: base64 of gzip of LAF's function document `{name, source: {code}}`; its TypeScript runs. */
export function decodeLafDebugData(header: string): { source: string; language: FunctionLanguage } {
  let doc: any
  try {
    doc = decodeDebugHeader(header)
  } catch (error) {
    throw new RuntimeError('BAD_REQUEST', `${LAF_DEBUG_DATA_HEADER} must be base64 of gzipped JSON {name, source: {code}}`, { cause: error })
  }
  const code = doc?.source?.code
  if (typeof code !== 'string') throw new RuntimeError('BAD_REQUEST', `${LAF_DEBUG_DATA_HEADER} has no string "source.code"`)
  return { source: code, language: 'ts' }
}

/** `x-laf-debug-logs`: base64 of gzip of a JSON array of formatted lines, as LAF's DebugConsole writes them. */
export function encodeLafDebugLogs(logs: LogRecord[]): string {
  return encodeDebugHeader(logs.map((log) => `${log.time} ${log.level.toUpperCase()} [${log.functionName}] ${log.message}`))
}
