// MCP (the tool list as an agent sees it, with a call form) and db-proxy policies with the policy tester (proxy.check).
import { api } from './api.js'
import { field, fill, h, json } from './dom.js'
import type { Ctx } from './main.js'

interface Tool {
  name: string
  title?: string
  description?: string
  inputSchema?: unknown
}

const parse = (text: string): unknown => (text.trim() ? JSON.parse(text) : undefined)

export async function renderMcp(ctx: Ctx): Promise<void> {
  const tools = await api<Tool[]>('GET', '/mcp/tools')
  const out = h('pre', { id: 'mcp-result' })
  const form = (tool: Tool) => {
    const args = h('textarea', { rows: 3, 'data-tool-args': tool.name, placeholder: '{}' })
    const call = async (event: Event) => {
      event.preventDefault()
      try {
        out.textContent = json(await api('POST', '/mcp/call', { name: tool.name, arguments: parse(args.value) ?? {} }))
      } catch (error) {
        out.textContent = (error as Error).message
      }
    }
    return h('form', { class: 'row', onsubmit: call }, args, h('button', { type: 'submit', 'data-tool-call': tool.name }, 'Call'))
  }
  fill(
    ctx.view,
    h('h2', {}, `MCP tools (${tools.length})`),
    h('p', { class: 'muted' }, 'Exactly what tools/list answers an agent.'),
    ...tools.map((tool) => h('div', { class: 'panel', 'data-tool': tool.name }, h('h3', { class: 'mono' }, tool.name), h('p', {}, tool.description ?? ''), h('pre', { class: 'small' }, json(tool.inputSchema)), form(tool))),
    out,
  )
}

const ACTIONS = ['database.queryDocument', 'database.addDocument', 'database.updateDocument', 'database.deleteDocument', 'database.countDocument', 'database.aggregateDocuments']

export async function renderPolicies(ctx: Ctx): Promise<void> {
  const policies = await api<Record<string, unknown>>('GET', '/policies')
  const names = Object.keys(policies)
  const policy = h('select', { id: 'policy-name' }, ...names.map((n) => h('option', { value: n }, n)))
  const action = h('select', { id: 'policy-action' }, ...ACTIONS.map((a) => h('option', { value: a }, a.replace('database.', ''))))
  const collection = h('input', { id: 'policy-collection', placeholder: 'collection' })
  const query = h('textarea', { id: 'policy-query', rows: 2, placeholder: '{"author": "alice"}' })
  const data = h('textarea', { id: 'policy-data', rows: 2, placeholder: '{"title": "Hi"}' })
  const user = h('textarea', { id: 'policy-user', rows: 2, placeholder: '{"uid": "alice"} — empty: anonymous' })
  const out = h('div', { id: 'policy-result' })
  const check = async (event: Event) => {
    event.preventDefault()
    try {
      const request: Record<string, unknown> = { action: action.value, collectionName: collection.value.trim() }
      const q = parse(query.value)
      const d = parse(data.value)
      if (q !== undefined) request.query = q
      if (d !== undefined) request.data = d
      const result = await api<{ allowed: boolean; rule: string | null; validator: string | null; message: string }>('POST', '/policies/check', { policy: policy.value, request, user: parse(user.value) ?? null })
      fill(
        out,
        h('p', { class: result.allowed ? 'ok' : 'error', id: 'policy-verdict' }, result.allowed ? 'ALLOWED' : 'DENIED'),
        h('p', {}, `rule: ${result.rule ?? '—'} · validator: ${result.validator ?? '—'}`),
        h('p', { id: 'policy-message' }, result.message),
      )
    } catch (error) {
      fill(out, h('p', { class: 'error' }, (error as Error).message))
    }
  }
  fill(
    ctx.view,
    h('h2', {}, 'Policies'),
    ...names.map((name) => h('details', { 'data-policy': name }, h('summary', { class: 'mono' }, name), h('pre', { class: 'small' }, json(policies[name])))),
    h('h3', {}, 'Policy tester'),
    h('p', { class: 'muted' }, 'Runs proxy.check: the decision for this request, without touching the data.'),
    h(
      'form',
      { class: 'grid', id: 'policy-form', onsubmit: check },
      field('policy', policy),
      field('action', action),
      field('collection', collection),
      field('query (JSON)', query),
      field('data (JSON)', data),
      field('user (JSON)', user),
      h('button', { type: 'submit', id: 'policy-check', class: 'primary' }, 'Check'),
    ),
    out,
  )
}
