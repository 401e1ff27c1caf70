// The Express adapter: `app.use('/proxy', dbProxyRouter(proxy, {jwtSecret}))` serves `POST /proxy/:policy`.
// It imports nothing from Express at run time (types only), so it works with Express 4 and 5 alike, and reads the body
// itself so the size cap holds even without a body parser in front.
import { parseToken } from '@scraping-run/cloud'
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

class TooLarge extends Error {}

/** Reads the body up to the cap. Past the cap the rest is drained, not kept, so the client still reads our 413. */
function readBody(req: IncomingMessage, cap: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > cap * 16) {
      // Far over the cap: do not spend time draining it.
      reject(Object.assign(new TooLarge(), { abort: true }))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > cap) over = true
      if (!over) chunks.push(chunk)
    })
    let ended = false
    req.on('end', () => {
      ended = true
      if (over) reject(new TooLarge())
      else resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', reject)
    // A client that goes away mid-body: settle, so nothing waits forever.
    req.on('close', () => {
      if (!ended) reject(new Error('the client closed the request before sending the whole body'))
    })
  })
}

export function dbProxyRouter(proxy: DbProxy, options: DbProxyRouterOptions = {}): DbProxyRouter {
  if (!proxy || typeof proxy.handle !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'dbProxyRouter(proxy) needs the object createDbProxy() returns')
  }
  const cap = options.maxBodyBytes ?? proxy.limits.maxBodyBytes
  const { jwtSecret } = options

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

    const header = req.headers.authorization
    const userReady: Promise<ProxyUser> = options.getUser
      ? Promise.resolve().then(() => options.getUser!(req))
      : Promise.resolve(jwtSecret && typeof header === 'string' && header.startsWith('Bearer ') ? parseToken(header, { secret: jwtSecret }) : null)

    const bodyReady: Promise<unknown> =
      // A body parser in front (express.json()) already read it; its own limit applies.
      req._body === true || (req.body !== undefined && req.readableEnded)
        ? Promise.resolve(req.body)
        : readBody(req, cap).then((text) => {
            try {
              return JSON.parse(text)
            } catch (error) {
              throw new DbProxyError('BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`)
            }
          })

    Promise.all([bodyReady, userReady])
      .then(([body, user]) => proxy.handle(policy, body, user, { headers: req.headers, request: req }))
      .then((result) => send(res, result.status, result.body))
      .catch((error) => {
        if (error instanceof TooLarge) {
          if ((error as TooLarge & { abort?: boolean }).abort) res.setHeader('connection', 'close')
          send(res, 413, { code: 'PAYLOAD_TOO_LARGE', error: `the body is over ${cap} bytes (raise maxBodyBytes to accept more)` })
          return
        }
        if (DbProxyError.is(error)) send(res, 400, { code: error.code, error: error.message })
        else send(res, 500, { code: 'DATABASE_ERROR', error: 'the proxy failed unexpectedly' })
      })
  }
}
