// The public surface of this package. Its features land with their issue; until then only the error type is exported.
export { MongoEmbeddedError } from './errors.js'
export type { MongoEmbeddedErrorCode } from './errors.js'
