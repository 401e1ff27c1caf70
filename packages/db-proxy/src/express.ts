// The Express adapter: `app.use('/proxy', dbProxyRouter(proxy, {jwtSecret}))` serves `POST /proxy/:policy`.
// It imports nothing from Express at run time (types only), so it works with Express 4 and 5 alike, and reads the body
// itself so the size cap holds even without a body parser in front.
import { parseToken } from '@scraping-run/cloud'
import { readRawBody, type BodyErrorFactory } from '@scraping-run/cloud/http'
import type { NextFunction, Request, Response } from 'express'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DbProxyError } from './errors.js'
import type { DbProxy } from './proxy.js'
import type { ProxyUser } from './types.js'

export interface DbProxyRouterOptions {
  /** Verifies `Authorization: Bearer <jwt>` (HS256); the payload becomes the user. Without it (and `getUser`) every request is anonymous. */
  jwtSecret?: string
  /** The largest body read, in bytes (default: the proxy's `limits.maxBodyBytes`). */
  maxBodyBytes?: number
  /** Treat a token without an `exp` claim as no token (anonymous), so a leaked token cannot work forever (default false). */
  requireExp?: boolean
  /** Your own authentication instead of the JWT (e.g. `(req) => req.user` after a session middleware). */
  getUser?: (req: Request | IncomingMessage) => ProxyUser | Promise<ProxyUser>
}

/** An Express-compatible router function (`(req, res, next)`), to mount with `app.use(path, …)`. */
export type DbProxyRouter = (req: Request | IncomingMessage, res: Response | ServerResponse, next?: NextFunction) => void

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(text))
  res.end(text)
}

const bodyError: BodyErrorFactory = (kind, message, cause) => new DbProxyError(kind, message, { cause })

/** The token of an `Authorization: Bearer <jwt>` header; the scheme is case-insensitive (RFC 9110), as in the runtime. */
function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  return match?.[1]
}

export function dbProxyRouter(proxy: DbProxy, options: DbProxyRouterOptions = {}): DbProxyRouter {
  if (!proxy || typeof proxy.handle !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'dbProxyRouter(proxy) needs the object createDbProxy() returns')
  }
  const cap = options.maxBodyBytes ?? proxy.limits.maxBodyBytes
  const { jwtSecret, requireExp = false } = options
  const verify = (header: unknown): ProxyUser => {
    const token = jwtSecret ? bearerToken(header) : undefined
    const payload = token ? parseToken(token, { secret: jwtSecret }) : null
    return payload && (!requireExp || typeof payload.exp === 'number') ? payload : null
  }

  return (rawReq, rawRes, next) => {
    const req = rawReq as IncomingMessage & { body?: unknown; _body?: boolean; user?: unknown }
    const res = rawRes as ServerResponse
    // Mounted under a path, Express strips the mount point from req.url; the rest must be one segment.
    const path = (req.url ?? '/').split('?')[0]
    const match = /^\/([^/]+)\/?$/.exec(path)
    if (!match || req.method !== 'POST') {
      if (next) next()
      else send(res, 404, { code: 'POLICY_NOT_FOUND', error: 'POST /:policy' })
      return
    }
    let policy: string
    try {
      policy = decodeURIComponent(match[1])
    } catch {
      send(res, 400, { code: 'BAD_REQUEST', error: 'the policy name in the URL is not valid percent-encoding' })
      return
    }

    const userReady: Promise<ProxyUser> = options.getUser
      ? Promise.resolve().then(() => options.getUser!(req))
      : Promise.resolve().then(() => verify(req.headers.authorization))

    const bodyReady: Promise<unknown> =
      // A body parser in front (express.json()) already read it; its own limit applies.
      req._body === true || (req.body !== undefined && req.readableEnded)
        ? Promise.resolve(req.body)
        : readRawBody(req, cap, bodyError).then((raw) => {
            try {
              return JSON.parse(raw.toString('utf8'))
            } catch (error) {
              throw new DbProxyError('BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`)
            }
          })

    Promise.all([bodyReady, userReady])
      .then(([body, user]) => proxy.handle(policy, body, user, { headers: req.headers, request: req }))
      .then((result) => send(res, result.status, result.body))
      .catch((error) => {
        if (DbProxyError.is(error, 'PAYLOAD_TOO_LARGE')) {
          // A body declared over the cap is not read at all: close the connection rather than drain it.
          if (!req.complete) res.setHeader('connection', 'close')
          send(res, 413, { code: 'PAYLOAD_TOO_LARGE', error: `the body is over ${cap} bytes (raise maxBodyBytes to accept more)` })
          return
        }
        if (DbProxyError.is(error)) send(res, 400, { code: error.code, error: error.message })
        else send(res, 500, { code: 'DATABASE_ERROR', error: 'the proxy failed unexpectedly' })
      })
  }
}
