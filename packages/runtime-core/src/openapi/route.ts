import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TokenPayload } from '@scraping-run/cloud'
import { RuntimeError } from '../errors.js'
import type { Executor } from '../types.js'
import { buildOpenApiDocument, needsBearer, type OpenApiOptions } from './document.js'

export interface OpenApiRouteOptions extends Omit<OpenApiOptions, 'serverUrl'> {
  /** Where the document is served, below the functions' mount (default `'_/openapi.json'`, e.g. `/fn/_/openapi.json`). */
  path?: string
  /**
   * Who may read it. Default: when the document says operations need a bearer token, a request needs a valid one too
   * (the document lists every function); otherwise anyone.
   */
  authorize?: (req: IncomingMessage, user: TokenPayload | null) => boolean | Promise<boolean>
}

export const DEFAULT_OPENAPI_PATH = '_/openapi.json'

export interface OpenApiRoute {
  /** The path (no leading slash) this route answers. */
  readonly path: string
  /** Answers with the document; rejects with `UNAUTHORIZED` when `authorize` (or the default rule) says no. */
  serve(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, user: TokenPayload | null): Promise<void>
}

/**
 * Serves `buildOpenApiDocument(await executor.describe())`. The document is rebuilt after any function changes (the
 * executor's watch), so it is live without a describe() per request.
 */
export function createOpenApiRoute(executor: Executor, options: OpenApiRouteOptions): OpenApiRoute {
  const path = (options.path ?? DEFAULT_OPENAPI_PATH).replace(/^\/+|\/+$/g, '')
  // The described functions, and the document's text per mount path, until a function changes.
  let functions: ReturnType<Executor['describe']> | undefined
  let documents = new Map<string, string>()
  let unwatch: (() => void) | undefined

  function described(): ReturnType<Executor['describe']> {
    unwatch ??= executor.watch(() => {
      functions = undefined
      documents = new Map()
    })
    functions ??= executor.describe().catch((error: unknown) => {
      functions = undefined
      throw error
    })
    return functions
  }

  return {
    path,
    async serve(req, res, user) {
      const url = (req.originalUrl ?? req.url ?? '/').split('?', 1)[0]!
      const mount = url.slice(0, Math.max(0, url.length - path.length - 1))
      const cache = documents
      const list = await described()
      const allowed = options.authorize ? await options.authorize(req, user) : !needsBearer(list, options) || user !== null
      if (!allowed) {
        res.setHeader('www-authenticate', 'Bearer')
        throw new RuntimeError('UNAUTHORIZED', 'the API document needs a valid bearer token (Authorization: Bearer <JWT>)')
      }
      let json = cache.get(mount)
      if (json === undefined) {
        json = JSON.stringify(buildOpenApiDocument(list, { ...options, serverUrl: mount || '/' }))
        // At most a few mounts serve one route; a crafted path must not grow the cache.
        if (cache.size < 16) cache.set(mount, json)
      }
      res.statusCode = 200
      res.setHeader('content-type', 'application/json; charset=utf-8')
      res.setHeader('cache-control', 'no-cache')
      res.setHeader('content-length', Buffer.byteLength(json))
      res.end(req.method === 'HEAD' ? undefined : json)
    },
  }
}
