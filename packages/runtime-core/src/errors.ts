import { CloudError } from '@scraping-run/cloud'

/** Every code a `RuntimeError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const RUNTIME_ERROR_CODES = [
  'FUNCTION_NOT_FOUND',
  'INVALID_FUNCTION_NAME',
  'COMPILE_ERROR',
  'TIMEOUT',
  'MISSING_PEER',
  'FUNCTION_ERROR',
  'NO_ENTRY_POINT',
  'UNSUPPORTED_HANDLER',
  'CIRCULAR_IMPORT',
  'MODULE_NOT_FOUND',
  'INVOKE_DEPTH_EXCEEDED',
  'NEXT_CALLED_TWICE',
  'METHOD_NOT_ALLOWED',
  'ABORTED',
  'EXECUTOR_CLOSED',
  'INVALID_RESULT',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'FORBIDDEN',
  'ISOLATE_UNAVAILABLE',
  'MEMORY_LIMIT',
  'CPU_LIMIT',
  'OVERLOADED',
  'UNAUTHORIZED',
  'LOG_QUEUE_FULL',
  'MISSING_MODULE',
  'PROMOTION_ORDER',
  'VERSION_NOT_FOUND',
  'ENV_NOT_FOUND',
  'SECRET_KEY_INVALID',
  'NOT_FOUND',
  'INTERNAL_ERROR',
  'INVALID_SCHEDULE',
  'LEASE_LOST',
  'INVALID_LAMBDA_RESULT',
  'INVALID_LAMBDA_CONFIG',
  'SLOW_CLIENT',
  'HEARTBEAT_TIMEOUT',
] as const

export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.runtime.error')

export class RuntimeError extends Error {
  override readonly name: string = 'RuntimeError'
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

/** A syntax error in a function's source, with the position in that source (1-based line, 0-based column). */
export class CompileError extends RuntimeError {
  override readonly name: string = 'CompileError'
  readonly functionName: string
  readonly line: number
  readonly column: number
  readonly lineText: string

  constructor(functionName: string, message: string, position: { line: number; column: number; lineText: string }, options?: { cause?: unknown }) {
    super('COMPILE_ERROR', `${functionName}:${position.line}:${position.column}: ${message}`, options)
    this.functionName = functionName
    this.line = position.line
    this.column = position.column
    this.lineText = position.lineText
  }
}

/** The plain, JSON-safe error an `InvokeResult` carries. */
export interface InvokeError {
  message: string
  code: string
  stack?: string
}

/**
 * Turns anything a function threw (an Error from another realm, a string, `undefined`, a circular object, a Proxy that
 * throws on every access) into an `InvokeError`. Runtime errors keep their code; everything else is the function's own
 * failure. Never throws: every read of the value is guarded.
 */
export function toInvokeError(value: unknown, remapStack?: (stack: string) => string): InvokeError {
  // Runtime and cloud SDK errors keep their code (TIMEOUT, NOT_CONFIGURED, …): the caller can act on it.
  const code = attempt(() => (RuntimeError.is(value) ? value.code : CloudError.is(value) ? value.code : undefined)) ?? 'FUNCTION_ERROR'
  // Duck-typed: errors created inside a vm context are not `instanceof Error` here.
  const message = attempt(() => (value as Error).message)
  if (typeof value === 'object' && value !== null && typeof message === 'string') {
    const stack = attempt(() => (value as Error).stack)
    const name = attempt(() => (value as Error).name)
    const out: InvokeError = { message: message || (typeof name === 'string' && name) || 'Error', code }
    if (typeof stack === 'string') out.stack = remapStack ? remapStack(stack) : stack
    return out
  }
  return { message: describeThrown(value), code }
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch {
    return undefined
  }
}

function describeThrown(value: unknown): string {
  if (value === undefined) return 'the function threw undefined'
  if (value === null) return 'the function threw null'
  if (typeof value === 'string') return value
  const json = attempt(() => JSON.stringify(value))
  if (typeof json === 'string') return `the function threw a non-Error value: ${json.length > 500 ? `${json.slice(0, 500)}…` : json}`
  const text = attempt(() => String(value))
  return typeof text === 'string' ? `the function threw a non-Error value: ${text}` : 'the function threw a value that cannot be described'
}
