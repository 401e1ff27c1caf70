import type { ServerResponse } from 'node:http'
import type { InvokeError } from '../../errors.js'

const STATUS: Record<string, number> = {
  FUNCTION_NOT_FOUND: 404,
  INVALID_FUNCTION_NAME: 400,
  METHOD_NOT_ALLOWED: 405,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  OVERLOADED: 503,
  // API Gateway's answer to a malformed proxy result.
  INVALID_LAMBDA_RESULT: 502,
}

export function statusFor(code: string): number {
  return STATUS[code] ?? 500
}

/** `{error, code, requestId}`; the stack only in debug mode. */
export function sendError(res: ServerResponse, error: InvokeError, requestId: string, debug: boolean): void {
  if (res.headersSent) {
    // The function already started its own response: all we can do is end it.
    if (!res.writableEnded) res.end()
    return
  }
  const body: Record<string, unknown> = { error: error.message, code: error.code, requestId }
  // A full pool clears within a call's time; say when to come back.
  if (error.code === 'OVERLOADED') res.setHeader('retry-after', '1')
  if (debug && error.stack) body.stack = error.stack
  writeJson(res, statusFor(error.code), JSON.stringify(body))
}

function writeJson(res: ServerResponse, status: number, json: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(json))
  res.end(json)
}

/**
 * Sends what the function returned: object → JSON, string → text, bytes → octet-stream, a stream → piped, `undefined` →
 * 204. A function that already started or ended the response itself (even one still streaming) is left alone.
 */
export function sendResult(res: ServerResponse, data: unknown, requestId: string, debug: boolean): void {
  if (res.headersSent || res.writableEnded) return
  // A status the function set (ctx.response.status(400)) is kept.
  const status = res.statusCode
  if (data === undefined) {
    res.statusCode = status === 200 ? 204 : status
    res.end()
    return
  }
  if (typeof data === 'string') {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8')
    res.setHeader('content-length', Buffer.byteLength(data))
    res.end(data)
    return
  }
  // toString, not instanceof: an ArrayBuffer made inside the sandbox comes from another realm.
  if (ArrayBuffer.isView(data) || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    const bytes = ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data as ArrayBuffer)
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/octet-stream')
    res.setHeader('content-length', bytes.length)
    res.end(bytes)
    return
  }
  if (typeof data === 'object' && data !== null && typeof (data as NodeJS.ReadableStream).pipe === 'function') {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/octet-stream')
    ;(data as NodeJS.ReadableStream).on('error', () => res.destroy())
    ;(data as NodeJS.ReadableStream).pipe(res)
    return
  }
  let json: string | undefined
  try {
    json = JSON.stringify(data)
  } catch (error) {
    // JSON's own refusals (a cycle, a BigInt) are INVALID_RESULT; a toJSON or getter of the function's that threw is its failure.
    const message = describe(error)
    const code = /circular|BigInt/i.test(message) && isTypeError(error) ? 'INVALID_RESULT' : 'FUNCTION_ERROR'
    sendError(res, { code, message: `the function returned a value that cannot be sent as JSON: ${message}` }, requestId, debug)
    return
  }
  if (json === undefined) {
    // A function or symbol: nothing JSON can say.
    sendError(res, { code: 'INVALID_RESULT', message: `the function returned a ${typeof data}, which cannot be sent` }, requestId, debug)
    return
  }
  writeJson(res, status, json)
}

function describe(error: unknown): string {
  try {
    return String((error as Error).message)
  } catch {
    return 'unreadable error'
  }
}

function isTypeError(error: unknown): boolean {
  try {
    return (error as Error).name === 'TypeError'
  } catch {
    return false
  }
}
