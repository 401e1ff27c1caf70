// `@scraping-run/runtime-core/express`: the Express adapter, a thin wrapper over the runtime-neutral HTTP entry point.
// It needs no import of express itself (plain Node req/res), so it works the same on Express 4 and 5.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createHttpHandler, type HttpHandlerOptions } from './triggers/http/handler.js'
import type { Executor } from './types.js'

export type FunctionsMiddlewareOptions = HttpHandlerOptions

/** A request handler for Express 4 or 5: `app.use('/fn', functionsMiddleware(executor))`, then `POST /fn/hello` runs `hello`. */
export type FunctionsRouter = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void

/** Mounts an executor on Express. Every request under the mount point is answered (a JSON error at worst); `next` is never called. */
export function functionsMiddleware(executor: Executor, options: FunctionsMiddlewareOptions = {}): FunctionsRouter {
  const handle = createHttpHandler(executor, options)
  return (req, res) => void handle(req, res)
}

export { TRIGGER_TOKEN_HEADER } from './triggers/http/handler.js'
export type { CorsOptions } from './triggers/http/cors.js'
export {
  DEVELOP_TOKEN_HEADER,
  DEBUG_SOURCE_HEADER,
  DEBUG_LOGS_HEADER,
  DEBUG_TIME_HEADER,
  encodeDebugHeader,
  decodeDebugHeader,
} from './triggers/http/debug.js'
