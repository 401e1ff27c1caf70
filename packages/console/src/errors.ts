/** Every code a `ConsoleError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const CONSOLE_ERROR_CODES = ['INVALID_OPTIONS', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_REQUEST', 'NOT_CONFIGURED', 'APP_NOT_BUILT'] as const

export type ConsoleErrorCode = (typeof CONSOLE_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.console.error')

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError'
  readonly code: ConsoleErrorCode

  constructor(code: ConsoleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `ConsoleError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: ConsoleErrorCode): value is ConsoleError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as ConsoleError).code === code)
    )
  }
}

/** The HTTP status each code answers with. */
export const STATUS_OF: Record<ConsoleErrorCode, number> = {
  INVALID_OPTIONS: 500,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  NOT_CONFIGURED: 404,
  APP_NOT_BUILT: 500,
}
