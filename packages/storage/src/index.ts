// The public surface of this package. Its features land with their issue; until then only the error type is exported.
export { StorageError } from './errors.js'
export type { StorageErrorCode } from './errors.js'
