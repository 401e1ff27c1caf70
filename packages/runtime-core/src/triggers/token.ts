import { createTokenHelpers, type TokenPayload } from '@scraping-run/cloud'
import type { Executor } from '../types.js'

/** How entry points verify tokens: with their own `jwtSecret` when given, else the executor's. Bad tokens are `null`. */
export function tokenVerifier(executor: Executor, jwtSecret?: string): (token: string | null | undefined) => TokenPayload | null {
  const helpers = jwtSecret ? createTokenHelpers(jwtSecret) : undefined
  return (token) => {
    if (!token) return null
    return helpers ? helpers.parseToken(token) : executor.parseToken(token)
  }
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined
}
