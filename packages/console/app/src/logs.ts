// Invocation logs: the records of the environment filtered by function, status, trigger and request id, a latency chart
// (p50/p99) with the error count, and a per-function summary.
import { api, q } from './api.js'
import { buckets, latencyChart, percentile } from './chart.js'
import { field, fill, h, when } from './dom.js'
import type { Ctx } from './main.js'
import { logLine } from './run.js'

interface LogRecord {
  functionName: string
  requestId: string
  trigger: { kind: string }
  cold: boolean
  startedAt: string
  durationMs: number
  status: 'ok' | 'error'
  error?: { code: string; message: string }
  logs: Array<Record<string, unknown>>
}

function summary(records: LogRecord[]): HTMLElement {
  const by = new Map<string, LogRecord[]>()
  for (const record of records) by.set(record.functionName, [...(by.get(record.functionName) ?? []), record])
  return h(
    'table',
    { class: 'list', id: 'log-summary' },
    h('thead', {}, h('tr', {}, ...['function', 'calls', 'errors', 'p50 ms', 'p99 ms'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...[...by].map(([name, list]) => {
        const sorted = list.map((r) => r.durationMs).sort((a, b) => a - b)
        const errors = list.filter((r) => r.status === 'error').length
        return h('tr', { 'data-function': name }, h('td', {}, name), h('td', {}, list.length), h('td', { class: errors ? 'error' : '' }, errors), h('td', {}, percentile(sorted, 50).toFixed(1)), h('td', {}, percentile(sorted, 99).toFixed(1)))
      }),
    ),
  )
}

function table(records: LogRecord[]): HTMLElement {
  return h(
    'table',
    { class: 'list', id: 'log-table' },
    h('thead', {}, h('tr', {}, ...['started', 'function', 'trigger', 'status', 'ms', 'start', 'request id', 'console'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...records.map((r) =>
        h(
          'tr',
          { 'data-request-id': r.requestId, class: r.status === 'error' ? 'error' : '' },
          h('td', {}, when(r.startedAt)),
          h('td', {}, r.functionName),
          h('td', {}, r.trigger?.kind ?? ''),
          h('td', {}, r.status === 'error' ? `error ${r.error?.code ?? ''}` : 'ok'),
          h('td', {}, r.durationMs.toFixed(1)),
          h('td', {}, r.cold ? 'cold' : 'warm'),
          h('td', { class: 'mono' }, r.requestId),
          h('td', { class: 'mono small' }, r.logs.map(logLine).join('\n')),
        ),
      ),
    ),
  )
}

export async function renderLogs(ctx: Ctx): Promise<void> {
  const env = ctx.session.environments.find((e) => e.name === ctx.env)
  if (!env?.logs) return fill(ctx.view, h('p', { class: 'muted' }, `No log source was given for ${ctx.env}.`))
  const fn = h('input', { id: 'log-function', placeholder: 'function' })
  const status = h('select', { id: 'log-status' }, ...['', 'ok', 'error'].map((s) => h('option', { value: s }, s || 'any status')))
  const trigger = h('select', { id: 'log-trigger' }, ...['', 'http', 'invoke', 'cron', 'mcp', 'websocket', 'init', 'lambda'].map((s) => h('option', { value: s }, s || 'any trigger')))
  const requestId = h('input', { id: 'log-request-id', placeholder: 'request id' })
  const out = h('div', { id: 'log-results' })
  const load = async (event?: Event) => {
    event?.preventDefault()
    const records = await api<LogRecord[]>('GET', `/logs${q({ environment: ctx.env, functionName: fn.value.trim(), status: status.value, trigger: trigger.value, requestId: requestId.value.trim(), limit: 500 })}`)
    const chartTitle = fn.value.trim() ? `Latency of ${fn.value.trim()}` : 'Latency of all functions'
    fill(
      out,
      h('h3', {}, chartTitle, ` — ${records.length} calls, `, h('span', { id: 'log-errors' }, String(records.filter((r) => r.status === 'error').length)), ' errors'),
      records.length ? latencyChart(buckets(records)) : h('p', { class: 'muted' }, 'No calls match.'),
      summary(records),
      table(records),
    )
  }
  fill(
    ctx.view,
    h('form', { class: 'row', id: 'log-filters', onsubmit: (e: Event) => void load(e) }, field('function', fn), field('status', status), field('trigger', trigger), field('request id', requestId), h('button', { type: 'submit', id: 'log-apply' }, 'Filter')),
    out,
  )
  await load()
}
