/** Every code a `RuntimeError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const RUNTIME_ERROR_CODES = ['FUNCTION_NOT_FOUND', 'INVALID_FUNCTION_NAME', 'COMPILE_ERROR', 'TIMEOUT', 'MISSING_PEER'] as const

export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.runtime.error')

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError'
  readonly code: RuntimeErrorCode

  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `RuntimeError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: RuntimeErrorCode): value is RuntimeError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as RuntimeError).code === code)
    )
  }
}
