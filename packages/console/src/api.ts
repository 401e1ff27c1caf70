// The console's API without any HTTP framework: `handle(request)` → `{status, body}`. Deploying goes through runtime-core's
// admin API (forwarded under /admin); the panels' own routes (compile, run, logs, MCP, policies) sit beside it. Every
// route authenticates first, with the admin API's rule.
import { createAdminApi, RuntimeError, type AdminPrincipal, type AdminRequest, type AdminResponse } from '@scraping-run/runtime-core'
import { assertScope, authenticator } from './auth.js'
import { resolveEnvironments } from './environments.js'
import { ConsoleError, STATUS_OF } from './errors.js'
import { compileCheck, functionList, queryLogs, runFunction } from './panels.js'
import type { ConsoleOptions } from './types.js'

export interface ConsoleApi {
  handle(request: AdminRequest): Promise<AdminResponse>
}

/** Every route besides the admin API's (forwarded under /admin): the auth test walks this list. */
export const CONSOLE_ROUTES = [
  'GET /session',
  'POST /compile',
  'GET /functions',
  'POST /run',
  'GET /logs',
  'GET /mcp/tools',
  'POST /mcp/call',
  'GET /policies',
  'POST /policies/check',
] as const

type Call = { principal: AdminPrincipal; query: URLSearchParams; body: Record<string, any>; request: AdminRequest }
type Route = (call: Call) => Promise<unknown>

export function createConsoleApi(options: ConsoleOptions): ConsoleApi {
  if (!options || typeof options.registry?.put !== 'function') throw new ConsoleError('INVALID_OPTIONS', 'consoleRouter needs {registry}: functionRegistry({db, pipeline}) of runtime-core')
  const authenticate = authenticator(options.authenticate)
  const environments = resolveEnvironments(options)
  const admin = createAdminApi({
    registry: options.registry,
    ...(options.env ? { env: options.env } : {}),
    ...(typeof options.authenticate === 'function' ? { authenticate: options.authenticate } : { jwtSecret: options.authenticate.jwtSecret }),
  })

  const environment = (value: unknown, principal: AdminPrincipal) => {
    if (typeof value !== 'string' || !environments.has(value)) throw new ConsoleError('BAD_REQUEST', `environment must be one of ${[...environments.keys()].join(', ')}`)
    assertScope(principal, value)
    return { name: value, ...environments.get(value)! }
  }
  const configured = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new ConsoleError('NOT_CONFIGURED', `this console has no ${what}`)
    return value
  }
  const policies = async () => {
    const source = configured(options.proxy, 'db-proxy (pass proxy: {policies, check})').policies
    return typeof source === 'function' ? source() : source
  }

  const routes: Record<(typeof CONSOLE_ROUTES)[number], Route> = {
    'GET /session': async ({ principal }) => ({
      subject: principal.subject,
      title: options.title ?? 'scraping-run console',
      environments: [...environments].filter(([name]) => !principal.environments || principal.environments.includes(name)).map(([name, env]) => ({ name, run: !!env.executor, logs: !!env.logs })),
      features: { env: !!options.env, mcp: !!options.mcp, proxy: !!options.proxy },
    }),
    'POST /compile': ({ body }) => compileCheck(body),
    'GET /functions': async ({ query, principal, request }) => {
      const env = environment(query.get('environment'), principal)
      const listed = await admin.handle({ ...request, method: 'GET', url: `/functions?environment=${encodeURIComponent(env.name)}` })
      if (listed.status !== 200) return answer(listed)
      return functionList(listed.body as never, env)
    },
    'POST /run': ({ body, principal }) => {
      const env = environment(body.environment, principal)
      return runFunction(configured(env.executor, `executor for ${env.name}`), body)
    },
    'GET /logs': ({ query, principal }) => {
      const env = environment(query.get('environment'), principal)
      return queryLogs(configured(env.logs, `logs for ${env.name}`), query)
    },
    'GET /mcp/tools': () => configured(options.mcp, 'MCP (pass mcp: {listTools, callTool})').listTools(),
    'POST /mcp/call': ({ body }) => {
      if (typeof body.name !== 'string') throw new ConsoleError('BAD_REQUEST', 'send {name, arguments}')
      const args = typeof body.arguments === 'object' && body.arguments !== null ? body.arguments : {}
      return configured(options.mcp, 'MCP').callTool(body.name, args)
    },
    'GET /policies': policies,
    'POST /policies/check': async ({ body }) => {
      const proxy = configured(options.proxy, 'db-proxy')
      if (typeof body.policy !== 'string') throw new ConsoleError('BAD_REQUEST', 'send {policy, request, user}')
      const user = typeof body.user === 'object' && body.user !== null ? body.user : null
      try {
        return await proxy.check(body.policy, body.request, user)
      } catch (error) {
        // POLICY_NOT_FOUND, INVALID_POLICY: the tester shows them as an answer.
        return { allowed: false, rule: null, validator: 'policy', message: (error as Error).message, code: (error as { code?: string }).code }
      }
    },
  }

  async function route(request: AdminRequest, principal: AdminPrincipal): Promise<unknown> {
    const url = new URL(request.url || '/', 'http://console.invalid')
    const path = url.pathname.replace(/\/+$/, '') || '/'
    if (path === '/admin' || path.startsWith('/admin/')) {
      return answer(await admin.handle({ ...request, url: `${path.slice('/admin'.length) || '/'}${url.search}` }))
    }
    const handler = routes[`${request.method.toUpperCase()} ${path}` as (typeof CONSOLE_ROUTES)[number]]
    if (!handler) throw new ConsoleError('NOT_FOUND', `no console route ${request.method} ${path}`)
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, any>) : {}
    return handler({ principal, query: url.searchParams, body, request })
  }

  return {
    async handle(request) {
      try {
        const principal = await authenticate(request)
        const result = await route(request, principal)
        return result instanceof Answer ? result.response : { status: 200, body: result ?? null }
      } catch (error) {
        return errorResponse(error)
      }
    },
  }
}

/** An admin API answer passed through as it is (status and body). */
class Answer {
  constructor(readonly response: AdminResponse) {}
}
const answer = (response: AdminResponse) => new Answer(response)

function errorResponse(error: unknown): AdminResponse {
  if (ConsoleError.is(error)) return { status: STATUS_OF[error.code], body: { error: error.message, code: error.code } }
  // The runtime's own refusals (a bad log query, say) keep their code.
  if (RuntimeError.is(error)) {
    const status = error.code === 'BAD_REQUEST' ? 400 : error.code === 'FUNCTION_NOT_FOUND' ? 404 : 500
    return { status, body: { error: error.message, code: error.code } }
  }
  console.error('[scraping-run] console API error:', error)
  return { status: 500, body: { error: 'internal error', code: 'INTERNAL_ERROR' } }
}
