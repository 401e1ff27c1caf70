import type { ServerResponse } from 'node:http'
import { RuntimeError } from '../errors.js'
import type { ResponseState } from '../sandbox/protocol.js'

/** Applies one `response` op of a sandbox's facade to the real response; returns the state the facade mirrors. */
export function applyResponseOp(res: ServerResponse, method: string, args: unknown[]): ResponseState | Promise<ResponseState> {
  if (method === 'drain') return drained(res)
  const ended = res.writableEnded
  switch (method) {
    case 'status':
      res.statusCode = statusCode(args[0])
      break
    case 'setHeader':
      if (!res.headersSent) res.setHeader(String(args[0]), args[1] as string | number | string[])
      break
    case 'removeHeader':
      if (!res.headersSent) res.removeHeader(String(args[0]))
      break
    case 'write':
      if (!ended) res.write(chunk(args[0]))
      break
    case 'end':
      if (!ended) args.length ? res.end(chunk(args[0])) : res.end()
      break
    case 'send':
      if (!ended) send(res, args[0], args.length > 0)
      break
    case 'json':
      if (!ended) finish(res, 'application/json; charset=utf-8', String(args[0]))
      break
    case 'redirect':
      if (!ended) {
        res.statusCode = statusCode(args[0])
        res.setHeader('location', String(args[1]))
        res.end()
      }
      break
    case 'cookie':
      if (!res.headersSent) appendCookie(res, String(args[0]), String(args[1]), (args[2] ?? {}) as Record<string, unknown>)
      break
    default:
      throw new RuntimeError('BAD_REQUEST', `ctx.response has no method ${JSON.stringify(method)}`)
  }
  return stateOf(res)
}

function stateOf(res: ServerResponse): ResponseState {
  const state: ResponseState = { statusCode: res.statusCode, headersSent: res.headersSent, writableEnded: res.writableEnded }
  if (res.writableNeedDrain && !res.destroyed) state.needDrain = true
  return state
}

/** Resolves once the response's buffer drained, or at once when it need not (or the client went away). */
function drained(res: ServerResponse): Promise<ResponseState> {
  if (!res.writableNeedDrain || res.destroyed) return Promise.resolve(stateOf(res))
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve(stateOf(res))
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function statusCode(value: unknown): number {
  const code = Number(value)
  if (!Number.isInteger(code) || code < 100 || code > 999) throw new RuntimeError('BAD_REQUEST', `invalid HTTP status ${String(value)}`)
  return code
}

// isView, not instanceof: bytes made in a vm context come from another realm.
function bytes(value: unknown): Uint8Array | undefined {
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : undefined
}

function chunk(value: unknown): string | Uint8Array {
  return typeof value === 'string' ? value : (bytes(value) ?? String(value))
}

function finish(res: ServerResponse, type: string, body: string | Uint8Array): void {
  if (!res.headersSent) {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', type)
    res.setHeader('content-length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)
  }
  res.end(body)
}

// Express's res.send: a string is HTML unless a type was set, bytes are octet-stream, nothing is an empty body.
function send(res: ServerResponse, body: unknown, given: boolean): void {
  if (!given || body === null) return void res.end()
  const raw = bytes(body)
  if (raw) return finish(res, 'application/octet-stream', raw)
  if (typeof body === 'number' || typeof body === 'boolean') return finish(res, 'application/json; charset=utf-8', JSON.stringify(body))
  finish(res, 'text/html; charset=utf-8', String(body))
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function appendCookie(res: ServerResponse, name: string, value: string, options: Record<string, unknown>): void {
  if (!COOKIE_NAME.test(name)) throw new RuntimeError('BAD_REQUEST', `invalid cookie name ${JSON.stringify(name)}`)
  let cookie = `${name}=${encodeURIComponent(value)}`
  if (options.maxAge !== undefined) {
    const seconds = Math.floor(Number(options.maxAge) / 1000)
    cookie += `; Max-Age=${seconds}; Expires=${new Date(Date.now() + seconds * 1000).toUTCString()}`
  } else if (options.expires !== undefined) cookie += `; Expires=${new Date(options.expires as string).toUTCString()}`
  cookie += `; Path=${typeof options.path === 'string' ? options.path : '/'}`
  if (typeof options.domain === 'string') cookie += `; Domain=${options.domain}`
  if (options.httpOnly) cookie += '; HttpOnly'
  if (options.secure) cookie += '; Secure'
  if (typeof options.sameSite === 'string') cookie += `; SameSite=${options.sameSite[0]!.toUpperCase()}${options.sameSite.slice(1).toLowerCase()}`
  else if (options.sameSite === true) cookie += '; SameSite=Strict'
  const existing = res.getHeader('set-cookie')
  res.setHeader('set-cookie', existing === undefined ? [cookie] : [...(Array.isArray(existing) ? existing : [String(existing)]), cookie])
}
