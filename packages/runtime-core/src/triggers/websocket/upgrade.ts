import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { TokenPayload } from '@scraping-run/cloud'
import { STATUS_CODES } from 'node:http'
import { bearerToken } from '../token.js'

/**
 * Decides whether an upgrade may happen: return the user the connection runs as (it becomes `ctx.user`), `true` to
 * accept it as its token's user (maybe `null`), or `null`/`undefined`/`false` to refuse it with 401. `user` is what
 * the Bearer token (`Authorization` header or `?token=`) verified to, or `null`.
 */
export type WebSocketAuthenticate = (
  req: IncomingMessage,
  user: TokenPayload | null,
) => TokenPayload | boolean | null | undefined | Promise<TokenPayload | boolean | null | undefined>

/** What an accepted upgrade carries into every event of its connection. */
export interface Admitted {
  user: TokenPayload | null
  path: string
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
}

export type Admission = { ok: true; admitted: Admitted } | { ok: false; status: number; code: string; message: string }

/** The path part of an upgrade's URL, and its query, or undefined for a URL that does not parse. */
export function splitUrl(rawUrl: string | undefined): { path: string; params: URLSearchParams } | undefined {
  try {
    const url = new URL(rawUrl ?? '/', 'http://localhost')
    return { path: url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname, params: url.searchParams }
  } catch {
    return undefined
  }
}

/** Verifies the token, then asks `authenticate`. The token never reaches the function's `ctx.query`. */
export async function admit(
  req: IncomingMessage,
  url: { path: string; params: URLSearchParams },
  verify: (token: string | undefined) => TokenPayload | null,
  authenticate: WebSocketAuthenticate | undefined,
): Promise<Admission> {
  const authorization = req.headers.authorization
  const token = bearerToken(Array.isArray(authorization) ? authorization[0] : authorization) ?? url.params.get('token') ?? undefined
  let user = verify(token)
  if (authenticate) {
    let verdict: Awaited<ReturnType<WebSocketAuthenticate>>
    try {
      verdict = await authenticate(req, user)
    } catch (error) {
      console.error('[scraping-run] attachWebSocket: authenticate threw:', error)
      return { ok: false, status: 500, code: 'INTERNAL_ERROR', message: 'authenticate failed' }
    }
    if (verdict === null || verdict === undefined || verdict === false) return { ok: false, status: 401, code: 'UNAUTHORIZED', message: 'the WebSocket connection was refused' }
    if (typeof verdict === 'object') user = verdict
  }
  const query: Record<string, string> = {}
  for (const [key, value] of url.params) if (key !== 'token') query[key] = value
  return { ok: true, admitted: { user, path: url.path, query, headers: { ...req.headers } } }
}

/** Answers the upgrade request with an HTTP error (the same JSON shape as the HTTP entry point) and closes it. */
export function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: message, code })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
