import type { IncomingMessage, ServerResponse } from 'node:http'

export interface CorsOptions {
  /** Allowed origins; default: any (the request's origin is reflected). */
  origin?: string | string[] | ((origin: string) => boolean)
  credentials?: boolean
  /** Seconds a preflight may be cached. Default 600. */
  maxAge?: number
}

/** Sets CORS headers; returns true when it answered a preflight itself. */
export function applyCors(req: IncomingMessage, res: ServerResponse, options: CorsOptions): boolean {
  const origin = req.headers.origin
  if (origin && allowed(origin, options.origin)) {
    res.setHeader('access-control-allow-origin', options.origin === undefined && !options.credentials ? '*' : origin)
    res.setHeader('vary', 'Origin')
    if (options.credentials) res.setHeader('access-control-allow-credentials', 'true')
    res.setHeader('access-control-expose-headers', 'x-request-id, x-scraping-run-debug-logs, x-scraping-run-debug-time')
  }
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    if (origin && allowed(origin, options.origin)) {
      res.setHeader('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS')
      const requested = req.headers['access-control-request-headers']
      res.setHeader('access-control-allow-headers', requested ?? 'content-type, authorization')
      res.setHeader('access-control-max-age', String(options.maxAge ?? 600))
    }
    res.statusCode = 204
    res.end()
    return true
  }
  return false
}

function allowed(origin: string, rule: CorsOptions['origin']): boolean {
  if (rule === undefined) return true
  if (typeof rule === 'function') return rule(origin)
  return Array.isArray(rule) ? rule.includes(origin) : rule === origin || rule === '*'
}
