// The public surface of this package. Its features land with their issue; until then only the error type is exported.
export { McpAdapterError } from './errors.js'
export type { McpAdapterErrorCode } from './errors.js'
