/** Every code a `McpAdapterError` can carry. Codes are never reused once retired; the README table is kept in sync by a test. */
export const MCP_ERROR_CODES = ['MISSING_PEER', 'INVALID_OPTIONS', 'INVALID_SCHEMA'] as const

export type McpAdapterErrorCode = (typeof MCP_ERROR_CODES)[number]

// A registry-wide symbol, so `is()` recognises errors thrown by another copy of this package.
const BRAND = Symbol.for('scraping-run.mcp.error')

export class McpAdapterError extends Error {
  override readonly name = 'McpAdapterError'
  readonly code: McpAdapterErrorCode

  constructor(code: McpAdapterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `McpAdapterError` from any copy of this package, optionally with the given code. */
  static is(value: unknown, code?: McpAdapterErrorCode): value is McpAdapterError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as McpAdapterError).code === code)
    )
  }
}
