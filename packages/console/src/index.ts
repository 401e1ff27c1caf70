// The public surface of @scraping-run/console.
export { consoleRouter } from './router.js'
export type { ConsoleRouter } from './router.js'
export { createConsoleApi } from './api.js'
export type { ConsoleApi } from './api.js'
export { ConsoleError } from './errors.js'
export type { ConsoleErrorCode } from './errors.js'
export type { ConsoleAuthenticate, ConsoleEnvironment, ConsoleMcp, ConsoleMcpTool, ConsoleOptions, ConsoleProxy, LogSource } from './types.js'
