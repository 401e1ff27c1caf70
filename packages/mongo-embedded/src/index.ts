// The public surface of this package.
export { startMongoEmbedded } from './server.js'
export type { MongoEmbedded, MongoEmbeddedOptions } from './server.js'
export { MongoEmbeddedError } from './errors.js'
export type { MongoEmbeddedErrorCode } from './errors.js'
