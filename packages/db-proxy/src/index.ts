// The public surface of this package. Its features land with their issue; until then only the error type is exported.
export { DbProxyError } from './errors.js'
export type { DbProxyErrorCode } from './errors.js'
