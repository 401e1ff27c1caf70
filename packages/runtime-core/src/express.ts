// `@scraping-run/runtime-core/express`: the Express adapter. It needs no import of express itself (plain Node req/res),
// so it works the same on Express 4 and 5.
export { functionsMiddleware, TRIGGER_TOKEN_HEADER } from './express/middleware.js'
export type { FunctionsMiddlewareOptions, FunctionsRouter } from './express/middleware.js'
export type { CorsOptions } from './express/cors.js'
export {
  DEVELOP_TOKEN_HEADER,
  DEBUG_SOURCE_HEADER,
  DEBUG_LOGS_HEADER,
  DEBUG_TIME_HEADER,
  encodeDebugHeader,
  decodeDebugHeader,
} from './express/debug.js'
