/** Every code a `CloudError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const CLOUD_ERROR_CODES = ['NO_PROVIDER', 'NOT_CONFIGURED', 'MISSING_SECRET', 'INVALID_ARGUMENT', 'INVOKE_FAILED'] as const

export type CloudErrorCode = (typeof CLOUD_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package (a bundled function, say).
const BRAND = Symbol.for('scraping-run.cloud.error')

export class CloudError extends Error {
  override readonly name = 'CloudError'
  readonly code: CloudErrorCode
  /** `INVOKE_FAILED` only: the HTTP status and the parsed answer of the failed call. */
  readonly status?: number
  readonly body?: unknown

  constructor(code: CloudErrorCode, message: string, options?: { cause?: unknown; status?: number; body?: unknown }) {
    super(message, options)
    this.code = code
    if (options?.status !== undefined) this.status = options.status
    if (options && 'body' in options) this.body = options.body
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `CloudError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: CloudErrorCode): value is CloudError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as CloudError).code === code)
    )
  }
}
