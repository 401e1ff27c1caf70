// The public surface of this package. Its features land with their issue; until then only the error type is exported.
export { RuntimeError } from './errors.js'
export type { RuntimeErrorCode } from './errors.js'
