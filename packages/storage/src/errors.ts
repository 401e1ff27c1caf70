/** Every code a `StorageError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const STORAGE_ERROR_CODES = ['INVALID_KEY', 'NOT_FOUND', 'INVALID_EXPIRY', 'ACCESS_DENIED', 'S3_ERROR', 'MISSING_PEER', 'INVALID_CONFIG'] as const

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

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload'])
const DENIED_NAMES = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled'])

/**
 * Turns whatever the AWS SDK threw into a `StorageError`, keeping the original as `cause`. `what` names the object
 * (`bucket/key`) for the message. A missing object never escapes as a raw SDK exception.
 */
export function toStorageError(error: unknown, operation: string, what: string): StorageError {
  if (StorageError.is(error)) return error
  const name = (error as { name?: unknown } | null)?.name
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
  if ((typeof name === 'string' && NOT_FOUND_NAMES.has(name)) || status === 404) {
    const subject = name === 'NoSuchBucket' ? `the bucket of ${what}` : what
    return new StorageError('NOT_FOUND', `${operation}: ${subject} does not exist`, { cause: error })
  }
  if ((typeof name === 'string' && DENIED_NAMES.has(name)) || status === 403) {
    const reason = typeof name === 'string' && name !== 'Unknown' ? name : `HTTP ${status}`
    return new StorageError('ACCESS_DENIED', `${operation}: access to ${what} was denied (${reason})`, { cause: error })
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return new StorageError('S3_ERROR', `${operation} ${what} failed: ${detail}`, { cause: error })
}
