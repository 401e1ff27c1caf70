// The panels' routes beside the admin API: the compile check, the function list, the run panel and the logs query.
import { createHash } from 'node:crypto'
import { compileFunction, RuntimeError, type Deployment, type InvocationLog, type LogQuery } from '@scraping-run/runtime-core'
import { ConsoleError } from './errors.js'
import type { ConsoleEnvironment, LogSource } from './types.js'

// The HTTP entry point's statuses for the codes a call can end with (the rest are 500).
const STATUS: Record<string, number> = { FUNCTION_NOT_FOUND: 404, INVALID_FUNCTION_NAME: 400, METHOD_NOT_ALLOWED: 405, BAD_REQUEST: 400, PAYLOAD_TOO_LARGE: 413, UNAUTHORIZED: 401, FORBIDDEN: 403, OVERLOADED: 503 }

/** Compiles a source with the runtime's own compiler: `{ok: true}` or the first error with its line and column. */
export async function compileCheck(body: Record<string, any>): Promise<unknown> {
  if (typeof body.source !== 'string') throw new ConsoleError('BAD_REQUEST', 'send {name, source, language?}')
  const language = body.language === 'js' ? 'js' : 'ts'
  const name = typeof body.name === 'string' && body.name ? body.name : 'untitled'
  const hash = createHash('sha256').update(language).update('\0').update(body.source).digest('hex')
  try {
    await compileFunction({ name, source: body.source, language, hash: `console-${hash}` })
    return { ok: true }
  } catch (error) {
    const position = error as { code?: string; line?: number; column?: number; lineText?: string; message: string }
    if (position.code !== 'COMPILE_ERROR') throw error
    return { ok: false, message: position.message, line: position.line, column: position.column, lineText: position.lineText }
  }
}

/** The admin API's list, with each function's methods (from the executor) and its calls and errors (from the logs). */
export async function functionList(list: Deployment[], env: ConsoleEnvironment): Promise<unknown[]> {
  const described = env.executor ? await env.executor.describe().catch(() => []) : []
  const info = new Map(described.map((record) => [record.name, record]))
  const stats = new Map<string, { calls: number; errors: number }>()
  if (env.logs) {
    for (const record of await env.logs.queryLogs({ limit: 1000 }).catch(() => [] as InvocationLog[])) {
      const entry = stats.get(record.functionName) ?? { calls: 0, errors: 0 }
      entry.calls += 1
      if (record.status === 'error') entry.errors += 1
      stats.set(record.functionName, entry)
    }
  }
  return list.map((deployment) => {
    const record = info.get(deployment.name)
    const stat = stats.get(deployment.name) ?? { calls: 0, errors: 0 }
    return {
      ...deployment,
      methods: record?.methods ?? null,
      loadError: record?.error ?? null,
      calls: stat.calls,
      errors: stat.errors,
      errorRate: stat.calls ? stat.errors / stat.calls : null,
    }
  })
}

const asRecord = (value: unknown, what: string): Record<string, any> => {
  if (value === undefined || value === null || value === '') return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConsoleError('BAD_REQUEST', `${what} must be an object`)
  return value as Record<string, any>
}

/** Runs a function as an HTTP request would (method, query, headers, body), as the user `uid` when given. */
export async function runFunction(executor: NonNullable<ConsoleEnvironment['executor']>, body: Record<string, any>): Promise<unknown> {
  if (typeof body.name !== 'string' || body.name === '') throw new ConsoleError('BAD_REQUEST', 'send {environment, name, method?, query?, headers?, body?, uid?}')
  const method = typeof body.method === 'string' && body.method ? body.method.toUpperCase() : 'POST'
  const headers: Record<string, string> = { ...asRecord(body.headers, 'headers') }
  const uid = typeof body.uid === 'string' && body.uid.trim() ? body.uid.trim() : undefined
  // "As user": the function sees ctx.user and a bearer token for that uid, signed with the executor's secret.
  if (uid && !headers.authorization) headers.authorization = `Bearer ${executor.getToken({ uid }, { expiresIn: '10m' })}`
  const result = await executor.invoke(body.name, {
    method,
    path: `/${body.name}`,
    query: asRecord(body.query, 'query'),
    headers,
    body: body.body,
    user: uid ? { uid } : null,
    trigger: { kind: 'http' },
    // As the HTTP entry point does: a function that lists its methods answers only those.
    check(record) {
      if (record.methods && !record.methods.includes(method)) {
        throw new RuntimeError('METHOD_NOT_ALLOWED', `${body.name} does not answer ${method} (allowed: ${record.methods.join(', ')})`)
      }
    },
  })
  return {
    status: result.error ? (STATUS[result.error.code] ?? 500) : 200,
    data: result.data,
    error: result.error ?? null,
    durationMs: result.durationMs,
    cold: result.cold,
    requestId: result.requestId,
    logs: result.logs,
  }
}

/** Invocation records filtered by function, status, trigger and request id, newest first. */
export async function queryLogs(source: LogSource, params: URLSearchParams): Promise<InvocationLog[]> {
  const query: LogQuery = {}
  for (const field of ['functionName', 'requestId', 'trigger', 'since'] as const) {
    const value = params.get(field)
    if (value) query[field] = value
  }
  const status = params.get('status')
  if (status) query.status = status as LogQuery['status']
  const limit = params.get('limit')
  if (limit) query.limit = Number(limit)
  return source.queryLogs(query)
}
