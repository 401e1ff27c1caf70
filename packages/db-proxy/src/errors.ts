/** Every code a `DbProxyError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const DBPROXY_ERROR_CODES = [
  'POLICY_NOT_FOUND',
  'POLICY_DENIED',
  'INVALID_POLICY',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'MISSING_PEER',
  'DATABASE_ERROR',
  'INVALID_ARGUMENT',
  'ASSERTION_FAILED',
] as const

export type DbProxyErrorCode = (typeof DBPROXY_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.dbproxy.error')

export class DbProxyError extends Error {
  override readonly name = 'DbProxyError'
  readonly code: DbProxyErrorCode

  constructor(code: DbProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `DbProxyError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: DbProxyErrorCode): value is DbProxyError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as DbProxyError).code === code)
    )
  }
}

/** The HTTP status each code answers with. */
export const STATUS_OF: Record<DbProxyErrorCode, number> = {
  POLICY_NOT_FOUND: 404,
  POLICY_DENIED: 403,
  INVALID_POLICY: 500,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  MISSING_PEER: 500,
  DATABASE_ERROR: 500,
  INVALID_ARGUMENT: 500,
  ASSERTION_FAILED: 500,
}
