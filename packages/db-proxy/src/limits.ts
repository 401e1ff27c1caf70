import type { DbProxyLimits } from './types.js'
import { DbProxyError } from './errors.js'

export const DEFAULT_LIMITS: Readonly<DbProxyLimits> = Object.freeze({
  maxLimit: 1000,
  defaultLimit: 100,
  maxDepth: 32,
  maxDocumentBytes: 1024 * 1024,
  maxBodyBytes: 4 * 1024 * 1024,
  maxDocuments: 1000,
  maxTimeMS: 5000,
})

export function resolveLimits(limits: Partial<DbProxyLimits> = {}): DbProxyLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits }
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new DbProxyError('INVALID_ARGUMENT', `limits.${key} must be a positive integer, got ${String(value)}`)
    }
  }
  if (resolved.defaultLimit > resolved.maxLimit) resolved.defaultLimit = resolved.maxLimit
  return resolved
}
