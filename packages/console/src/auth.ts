import { createTokenHelpers } from '@scraping-run/cloud'
import type { AdminPrincipal, AdminRequest } from '@scraping-run/runtime-core'
import { ConsoleError } from './errors.js'
import type { ConsoleAuthenticate } from './types.js'

export type Authenticator = (request: AdminRequest) => Promise<AdminPrincipal>

/** The admin API's own rule: an admin JWT (`type: 'admin'`) or the host's check. Throws UNAUTHORIZED / FORBIDDEN. */
export function authenticator(authenticate: ConsoleAuthenticate): Authenticator {
  if (typeof authenticate === 'function') {
    return async (request) => {
      const principal = await authenticate(request)
      if (!principal) throw new ConsoleError('UNAUTHORIZED', 'sign in: this console needs the admin authentication')
      return principal
    }
  }
  if (!authenticate || typeof authenticate.jwtSecret !== 'string' || authenticate.jwtSecret === '') {
    throw new ConsoleError('INVALID_OPTIONS', 'consoleRouter needs authenticate: {jwtSecret} or a function (request) => principal | null; no route answers without it')
  }
  const tokens = createTokenHelpers(authenticate.jwtSecret)
  return async (request) => {
    const header = request.headers.authorization
    const token = typeof header === 'string' && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '') : undefined
    const payload = token ? tokens.parseToken(token) : null
    if (!payload) throw new ConsoleError('UNAUTHORIZED', 'an admin token is required: Authorization: Bearer <jwt with type "admin">')
    if (payload.type !== 'admin') throw new ConsoleError('FORBIDDEN', 'this token is not an admin token (type must be "admin")')
    const environments = Array.isArray(payload.environments) ? payload.environments.map(String) : undefined
    const subject = typeof payload.sub === 'string' ? payload.sub : null
    return { subject, ...(environments ? { environments } : {}) }
  }
}

/** Throws FORBIDDEN unless the principal may act on `environment`. */
export function assertScope(principal: AdminPrincipal, environment: string): void {
  if (principal.environments && !principal.environments.includes(environment)) {
    throw new ConsoleError('FORBIDDEN', `this token may not act on environment ${environment} (it is limited to ${principal.environments.join(', ') || 'none'})`)
  }
}
