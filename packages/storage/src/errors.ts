/** Every code a `StorageError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const STORAGE_ERROR_CODES = ['INVALID_KEY', 'NOT_FOUND', 'INVALID_EXPIRY', 'ACCESS_DENIED', 'S3_ERROR', 'MISSING_PEER'] as const

export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.storage.error')

export class StorageError extends Error {
  override readonly name = 'StorageError'
  readonly code: StorageErrorCode

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `StorageError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: StorageErrorCode): value is StorageError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as StorageError).code === code)
    )
  }
}
