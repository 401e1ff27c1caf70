// The run panel: one call as an HTTP request would make it (method, query, headers, JSON body, as a user), with its
// status, result, duration, cold or warm start and console lines.
import { api } from './api.js'
import { field, fill, h, json } from './dom.js'
import type { Ctx } from './main.js'

interface RunAnswer {
  status: number
  data?: unknown
  error: { code: string; message: string } | null
  durationMs: number
  cold: boolean
  requestId: string
  logs: Array<{ level: string; message?: string; args?: unknown[]; text?: string }>
}

const parse = (text: string, what: string): unknown => {
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`${what} is not valid JSON`)
  }
}

export function logLine(record: Record<string, unknown>): string {
  const text = typeof record.message === 'string' ? record.message : Array.isArray(record.args) ? record.args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') : JSON.stringify(record)
  return `[${String(record.level ?? 'log')}] ${text}`
}

export function renderRun(ctx: Ctx, host: HTMLElement, name: string): void {
  const envs = ctx.session.environments.filter((env) => env.run).map((env) => env.name)
  const env = h('select', { id: 'run-env' }, ...envs.map((e) => h('option', { value: e }, e)))
  if (envs.includes(ctx.env)) env.value = ctx.env
  const method = h('select', { id: 'run-method' }, ...['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m)))
  const query = h('input', { id: 'run-query', placeholder: '{"page": "1"}' })
  const headers = h('input', { id: 'run-headers', placeholder: '{"x-demo": "1"}' })
  const uid = h('input', { id: 'run-uid', placeholder: 'uid (signs a token for this user)' })
  const body = h('textarea', { id: 'run-body', rows: 4, placeholder: '{"name": "Ada"}' })
  const out = h('div', { id: 'run-result' })

  const run = async (event: Event) => {
    event.preventDefault()
    fill(out, h('p', { class: 'muted' }, 'Running…'))
    try {
      const answer = await api<RunAnswer>('POST', '/run', {
        environment: env.value,
        name,
        method: method.value,
        query: parse(query.value, 'query'),
        headers: parse(headers.value, 'headers'),
        body: parse(body.value, 'body'),
        uid: uid.value,
      })
      fill(
        out,
        h(
          'p',
          { class: answer.error ? 'error' : 'ok' },
          h('span', { id: 'run-status' }, String(answer.status)),
          ` · ${answer.durationMs.toFixed(1)} ms · `,
          h('span', { id: 'run-start' }, answer.cold ? 'cold' : 'warm'),
          ` · request ${answer.requestId}`,
        ),
        h('pre', { id: 'run-output' }, answer.error ? `${answer.error.code}: ${answer.error.message}` : json(answer.data)),
        h('pre', { id: 'run-logs', class: 'logs' }, answer.logs.length ? answer.logs.map((r) => logLine(r as never)).join('\n') : '(no console output)'),
      )
    } catch (error) {
      fill(out, h('p', { class: 'error' }, (error as Error).message))
    }
  }
  const http = envs.length ? 'Runs through the environment’s executor: the same interceptors and logs as an HTTP call.' : ''
  fill(
    host,
    h('h3', {}, 'Run'),
    envs.length === 0
      ? h('p', { class: 'muted' }, 'No executor was given to the console, so functions cannot be run from here.')
      : h(
          'form',
          { class: 'grid', onsubmit: run },
          field('environment', env),
          field('method', method),
          field('query (JSON)', query),
          field('headers (JSON)', headers),
          field('as user', uid),
          field('body (JSON)', body),
          h('button', { type: 'submit', id: 'run', class: 'primary' }, 'Run'),
        ),
    http ? h('p', { class: 'muted small' }, http) : null,
    out,
  )
}
