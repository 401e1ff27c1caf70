// The public surface of this package.
export { createMcpHandler } from './http.js'
export { McpAdapterError } from './errors.js'
export type { McpAdapterErrorCode } from './errors.js'
export type {
  JsonSchema,
  McpExecutor,
  McpFunctionInfo,
  McpFunctionRecord,
  McpHandlerOptions,
  McpHttpRequest,
  McpInvokeInit,
  McpInvokeResult,
  McpRequestHandler,
  McpToolAnnotations,
  McpToolMeta,
  McpUser,
} from './types.js'
export type { McpSessionOptions } from './sessions.js'
