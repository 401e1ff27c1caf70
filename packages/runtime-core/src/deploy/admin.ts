import { createTokenHelpers } from '@scraping-run/cloud'
import { RuntimeError } from '../errors.js'
import type { EnvRegistry } from './env.js'
import type { FunctionRegistry } from './registry.js'

/** A request as the runtime-neutral admin core sees it (adapters build it from Express, node:http, fetch, …). */
export interface AdminRequest {
  method: string
  /** Path under the mount point, with the query string: `/functions/hello:publish?environment=dev`. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body?: unknown
  /** The adapter's own request object, handed to `authenticate`. */
  raw?: unknown
}

export interface AdminResponse {
  status: number
  body: unknown
}

/** Who is calling. `environments` absent = every environment. `subject` is recorded in the history. */
export interface AdminPrincipal {
  subject: string | null
  environments?: string[]
}

export interface AdminOptions {
  registry: FunctionRegistry
  env?: EnvRegistry
  /** Verifies `Authorization: Bearer <jwt>`; the payload must have `type: 'admin'` (`sub`, optional `environments`). */
  jwtSecret?: string
  /** The host's own check, instead of (or before) JWTs: return null to refuse. */
  authenticate?: (request: AdminRequest) => AdminPrincipal | null | undefined | Promise<AdminPrincipal | null | undefined>
}

export interface AdminApi {
  handle(request: AdminRequest): Promise<AdminResponse>
}

const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_FUNCTION_NAME: 400,
  COMPILE_ERROR: 400,
  SECRET_KEY_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  FUNCTION_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  ENV_NOT_FOUND: 404,
  NOT_FOUND: 404,
  PROMOTION_ORDER: 409,
}

type Route = (call: { name: string; principal: AdminPrincipal; query: URLSearchParams; body: Record<string, any> }) => Promise<unknown>

/** The admin API without any HTTP framework: `handle(request)` → `{status, body}`. Every route needs authentication. */
export function createAdminApi(options: AdminOptions): AdminApi {
  if (!options?.registry) throw new RuntimeError('BAD_REQUEST', 'createAdminApi needs {registry}')
  if (!options.jwtSecret && !options.authenticate) throw new RuntimeError('BAD_REQUEST', 'createAdminApi needs jwtSecret or authenticate(request): no route answers without authentication')
  const tokens = options.jwtSecret ? createTokenHelpers(options.jwtSecret) : undefined
  const { registry } = options

  async function principalOf(request: AdminRequest): Promise<AdminPrincipal> {
    if (options.authenticate) {
      const principal = await options.authenticate(request)
      if (principal) return principal
    }
    const header = request.headers.authorization ?? request.headers.Authorization
    const token = typeof header === 'string' && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '') : undefined
    const payload = token && tokens ? tokens.parseToken(token) : null
    if (!payload) throw new RuntimeError('UNAUTHORIZED', 'an admin token is required: Authorization: Bearer <jwt with type "admin">')
    if (payload.type !== 'admin') throw new RuntimeError('FORBIDDEN', 'this token is not an admin token (type must be "admin")')
    const environments = Array.isArray(payload.environments) ? payload.environments.map(String) : undefined
    const subject = typeof payload.sub === 'string' ? payload.sub : typeof payload.uid === 'string' ? payload.uid : null
    return { subject, ...(environments ? { environments } : {}) }
  }

  const envRegistry = () => {
    if (!options.env) throw new RuntimeError('NOT_FOUND', 'this admin API has no env store (pass env: envRegistry({db, secretKey}))')
    return options.env
  }

  const functionRoutes: Record<string, Route> = {
    'GET ': ({ name, principal, query }) =>
      query.get('environment') ? registry.get(name, { environment: scoped(principal, query.get('environment')) }).then(orNotFound(name)) : registry.getDraft(name).then(orNotFound(name)),
    'PUT ': ({ name, principal, body }) => registry.put(name, body as never, { by: principal.subject }),
    'DELETE ': ({ name, principal, query }) => {
      const environment = query.get('environment') ?? undefined
      // Without an environment the function leaves every one: only an unrestricted token may do that.
      if (environment === undefined && principal.environments) scoped(principal, undefined)
      if (environment !== undefined) scoped(principal, environment)
      return registry.remove(name, { ...(environment ? { environment } : {}), by: principal.subject })
    },
    'POST publish': ({ name, principal, body }) => registry.publish(name, { environment: scoped(principal, body.environment), by: principal.subject }),
    'POST promote': ({ name, principal, body }) => registry.promote(name, { from: String(body.from ?? ''), to: scoped(principal, body.to), by: principal.subject }),
    'POST rollback': ({ name, principal, body }) =>
      registry.rollback(name, { environment: scoped(principal, body.environment), version: Number(body.version), by: principal.subject }),
    'GET history': ({ name, principal, query }) =>
      registry.history(name, {
        environment: scoped(principal, query.get('environment')),
        ...(query.get('limit') ? { limit: Number(query.get('limit')) } : {}),
        ...(query.get('source') === '1' ? { source: true } : {}),
      }),
  }

  async function route(request: AdminRequest, principal: AdminPrincipal): Promise<unknown> {
    const url = new URL(request.url || '/', 'http://admin.invalid')
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, '')
    const method = request.method.toUpperCase()
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, any>) : {}
    const query = url.searchParams
    if (path === '/functions' && method === 'GET') return registry.list({ environment: scoped(principal, query.get('environment')) })
    const fn = /^\/functions\/(.+?)(?::([a-z]+))?$/.exec(path)
    if (fn) {
      const handler = functionRoutes[`${method} ${fn[2] ?? ''}`]
      if (!handler) throw new RuntimeError('NOT_FOUND', `no admin route ${method} ${path}`)
      return handler({ name: fn[1]!, principal, query, body })
    }
    if (path === '/env' && method === 'GET') return envRegistry().list({ environment: scoped(principal, query.get('environment')) })
    const env = /^\/env\/([^/]+)$/.exec(path)
    if (env && method === 'PUT') {
      return envRegistry().set({ environment: scoped(principal, body.environment), name: env[1]!, value: body.value, secret: body.secret === true, by: principal.subject })
    }
    if (env && method === 'DELETE') {
      const environment = scoped(principal, query.get('environment'))
      if (!(await envRegistry().delete({ environment, name: env[1]! }))) throw new RuntimeError('ENV_NOT_FOUND', `${env[1]} is not set in ${environment}`)
      return { deleted: true }
    }
    throw new RuntimeError('NOT_FOUND', `no admin route ${method} ${path}`)
  }

  return {
    async handle(request) {
      try {
        const principal = await principalOf(request)
        const result = await route(request, principal)
        return { status: 200, body: result ?? null }
      } catch (error) {
        return errorResponse(error)
      }
    },
  }
}

/** The environment, after checking the caller may act on it. */
function scoped(principal: AdminPrincipal, environment: unknown): string {
  if (principal.environments && (typeof environment !== 'string' || !principal.environments.includes(environment))) {
    const what = typeof environment === 'string' ? `environment ${environment}` : 'every environment'
    throw new RuntimeError('FORBIDDEN', `this token may not act on ${what} (it is limited to ${principal.environments.join(', ') || 'none'})`)
  }
  if (typeof environment !== 'string' || environment === '') throw new RuntimeError('BAD_REQUEST', 'environment is required')
  return environment
}

function orNotFound(name: string) {
  return <T>(value: T | undefined): T => {
    if (value === undefined) throw new RuntimeError('FUNCTION_NOT_FOUND', `function ${name} not found`)
    return value
  }
}

function errorResponse(error: unknown): AdminResponse {
  if (RuntimeError.is(error)) {
    const body: Record<string, unknown> = { error: error.message, code: error.code }
    const position = error as unknown as { line?: number; column?: number; lineText?: string }
    if (error.code === 'COMPILE_ERROR') Object.assign(body, { line: position.line, column: position.column, lineText: position.lineText })
    return { status: STATUS[error.code] ?? 500, body }
  }
  // Driver and other unexpected failures: a JSON answer with a code, never a crash; details stay on the host.
  console.error('[scraping-run] admin API error:', error)
  return { status: 500, body: { error: 'internal error', code: 'INTERNAL_ERROR' } }
}
