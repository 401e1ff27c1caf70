import jwt from 'jsonwebtoken'
import { CloudError } from './errors.js'
import { getCloudProvider } from './provider.js'
import type { ParseTokenOptions, TokenOptions, TokenPayload } from './types.js'

const DEFAULT_EXPIRES_IN = '7d'

function requireSecret(secret: unknown, fn: string): string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new CloudError('MISSING_SECRET', `${fn} needs a secret: pass { secret } or run inside a runtime configured with jwtSecret`)
  }
  return secret
}

function sign(payload: TokenPayload, secret: string, expiresIn: number | string | undefined): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new CloudError('INVALID_ARGUMENT', 'getToken(payload) expects a plain object payload')
  }
  const claims: TokenPayload = { ...payload }
  // An explicit expiresIn wins over a payload exp (jsonwebtoken refuses both at once).
  if (expiresIn !== undefined) delete claims.exp
  const effective = expiresIn ?? (claims.exp === undefined ? DEFAULT_EXPIRES_IN : undefined)
  try {
    return jwt.sign(claims, secret, { algorithm: 'HS256', ...(effective === undefined ? {} : { expiresIn: effective as any }) })
  } catch (error) {
    throw new CloudError('INVALID_ARGUMENT', `getToken could not sign the payload: ${(error as Error).message}`, { cause: error })
  }
}

function verify(token: unknown, secret: string): TokenPayload | null {
  if (typeof token !== 'string' || token.length === 0) return null
  const raw = token.startsWith('Bearer ') ? token.slice(7).trim() : token
  try {
    // Pinning HS256 refuses `alg: none` and algorithm-confusion tokens.
    const payload = jwt.verify(raw, secret, { algorithms: ['HS256'] })
    return typeof payload === 'object' && payload !== null ? (payload as TokenPayload) : null
  } catch {
    return null
  }
}

/** Token helpers bound to a default secret; an explicit `{ secret }` on a call wins. Runtimes build their provider with it. */
export function createTokenHelpers(defaultSecret: string | undefined): {
  getToken(payload: TokenPayload, options?: TokenOptions): string
  parseToken(token: string | null | undefined, options?: ParseTokenOptions): TokenPayload | null
} {
  return {
    getToken: (payload, options = {}) =>
      sign(payload, requireSecret(options.secret ?? defaultSecret, 'getToken'), options.expiresIn),
    parseToken: (token, options = {}) => verify(token, requireSecret(options.secret ?? defaultSecret, 'parseToken')),
  }
}

/**
 * Signs an HS256 JWT. Uses `options.secret`, else the installed runtime's secret.
 * Expires after `options.expiresIn`, else the payload's `exp`, else 7 days.
 */
export function getToken(payload: TokenPayload, options: TokenOptions = {}): string {
  if (options.secret !== undefined) return sign(payload, requireSecret(options.secret, 'getToken'), options.expiresIn)
  const factory = getCloudProvider()
  if (factory) return factory().getToken(payload, options)
  return sign(payload, requireSecret(undefined, 'getToken'), options.expiresIn)
}

/**
 * Verifies an HS256 JWT (a `Bearer ` prefix is accepted) and returns its payload, or `null` when it is malformed, expired,
 * signed with another secret or unsigned. Uses `options.secret`, else the installed runtime's secret.
 */
export function parseToken(token: string | null | undefined, options: ParseTokenOptions = {}): TokenPayload | null {
  if (options.secret !== undefined) return verify(token, requireSecret(options.secret, 'parseToken'))
  const factory = getCloudProvider()
  if (factory) return factory().parseToken(token, options)
  return verify(token, requireSecret(undefined, 'parseToken'))
}
