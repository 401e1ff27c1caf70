/** Every code a `MongoEmbeddedError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const MONGO_ERROR_CODES = ['INVALID_OPTIONS', 'LISTEN_FAILED', 'PERSISTENCE_FAILED'] as const

export type MongoEmbeddedErrorCode = (typeof MONGO_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.mongo.error')

export class MongoEmbeddedError extends Error {
  override readonly name = 'MongoEmbeddedError'
  readonly code: MongoEmbeddedErrorCode

  constructor(code: MongoEmbeddedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `MongoEmbeddedError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: MongoEmbeddedErrorCode): value is MongoEmbeddedError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as MongoEmbeddedError).code === code)
    )
  }
}
