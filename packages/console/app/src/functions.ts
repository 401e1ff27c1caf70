// The functions view: the list of the environment's functions, the editor, save → first environment, promote along the
// pipeline, and below it the run panel and the history.
import { api, ApiError, q } from './api.js'
import { createEditor, type CompileAnswer, type Editor } from './editor.js'
import { fill, h, when } from './dom.js'
import { renderHistory } from './history.js'
import type { Ctx } from './main.js'
import { renderRun } from './run.js'

interface Row {
  name: string
  version: number
  at: string
  by: string | null
  action: string
  methods: string[] | null
  calls: number
  errors: number
  errorRate: number | null
}

const NEW_SOURCE = `import cloud from '@scraping-run/cloud'\n\nexport default async function (ctx) {\n  return { hello: ctx.body?.name ?? 'world' }\n}\n`

export async function renderFunctions(ctx: Ctx): Promise<void> {
  let rows = await api<Row[]>('GET', `/functions${q({ environment: ctx.env })}`)
  const search = h('input', { id: 'search', type: 'search', placeholder: 'Search functions' })
  const list = h('tbody', { id: 'function-list' })
  const detail = h('div', { class: 'detail', id: 'detail' }, h('p', { class: 'muted' }, 'Pick a function, or create one.'))
  const newName = h('input', { id: 'new-name', placeholder: 'new function name' })

  const drawList = () => {
    const term = search.value.trim().toLowerCase()
    fill(
      list,
      ...rows
        .filter((row) => row.name.toLowerCase().includes(term))
        .map((row) =>
          h(
            'tr',
            { 'data-name': row.name, onclick: () => void open(row.name) },
            h('td', {}, row.name),
            h('td', {}, row.methods?.join(', ') ?? 'any'),
            h('td', {}, `v${row.version}`),
            h('td', { title: `${row.action} by ${row.by ?? '?'}` }, when(row.at)),
            h('td', {}, row.errorRate === null ? '—' : `${Math.round(row.errorRate * 100)}% of ${row.calls}`),
          ),
        ),
    )
  }
  search.addEventListener('input', drawList)
  drawList()

  const mark = (name: string) => {
    for (const tr of list.querySelectorAll('tr')) tr.classList.toggle('active', (tr as HTMLElement).dataset.name === name)
  }
  // After a save, promote or rollback: the list shows the new version and deploy time.
  const reload = async (name: string) => {
    rows = await api<Row[]>('GET', `/functions${q({ environment: ctx.env })}`)
    drawList()
    mark(name)
  }
  const open = async (name: string, isNew = false) => {
    mark(name)
    await openFunction(ctx, detail, name, isNew, () => reload(name))
  }
  const create = (event: Event) => {
    event.preventDefault()
    const name = newName.value.trim()
    if (name) void open(name, true)
  }
  fill(
    ctx.view,
    h(
      'div',
      { class: 'split' },
      h(
        'aside',
        {},
        search,
        h('table', { class: 'list' }, h('thead', {}, h('tr', {}, ...['name', 'methods', 'version', 'last deploy', 'errors'].map((t) => h('th', {}, t)))), list),
        h('form', { class: 'row', onsubmit: create }, newName, h('button', { id: 'new-function', type: 'submit' }, 'New')),
      ),
      detail,
    ),
  )
}

/** The source to edit: the draft (what was saved last), else what is live in this environment, else a template. */
async function loadSource(ctx: Ctx, name: string, isNew: boolean): Promise<string> {
  if (isNew) return NEW_SOURCE
  const draft = await api<{ source: string }>('GET', `/admin/functions/${encodeURIComponent(name)}`).catch(() => null)
  if (draft) return draft.source
  const live = await api<{ source: string }>('GET', `/admin/functions/${encodeURIComponent(name)}${q({ environment: ctx.env })}`).catch(() => null)
  return live?.source ?? NEW_SOURCE
}

async function openFunction(ctx: Ctx, detail: HTMLElement, name: string, isNew: boolean, onDeployed: () => Promise<void>): Promise<void> {
  const compileStatus = h('div', { id: 'compile-status', class: 'muted' }, 'Checking…')
  const deployStatus = h('div', { id: 'deploy-status', class: 'muted' })
  const editorHost = h('div', { class: 'editor', id: 'editor' })
  const runHost = h('div', { class: 'panel', id: 'run-panel' })
  const historyHost = h('div', { class: 'panel', id: 'history-panel' })
  const onCompile = (answer: CompileAnswer) => {
    compileStatus.className = answer.ok ? 'ok' : 'error'
    compileStatus.textContent = answer.ok ? 'Compiles.' : `Line ${answer.line ?? '?'}:${answer.column ?? '?'} — ${answer.message}`
  }
  const status = (text: string, ok = true) => {
    deployStatus.className = ok ? 'ok' : 'error'
    deployStatus.textContent = text
  }
  const path = `/admin/functions/${encodeURIComponent(name)}`
  const first = ctx.pipeline[0]!
  let editor: Editor

  const save = async () => {
    try {
      await api('PUT', path, { source: editor.get(), language: 'ts' })
      const deployed = await api<{ version: number }>('POST', `${path}:publish`, { environment: first })
      status(`Saved and deployed to ${first} as v${deployed.version}.`)
      await refresh()
    } catch (error) {
      const body = error instanceof ApiError ? error.body : {}
      if (body.code === 'COMPILE_ERROR') onCompile({ ok: false, message: body.error, line: body.line, column: body.column })
      status(`Not saved: ${(error as Error).message}`, false)
    }
  }
  const promote = async (from: string, to: string) => {
    try {
      const deployed = await api<{ version: number }>('POST', `${path}:promote`, { from, to })
      status(`Promoted ${from} → ${to} (v${deployed.version} in ${to}).`)
      await refresh()
    } catch (error) {
      status(`Not promoted: ${(error as Error).message}`, false)
    }
  }
  const refresh = async () => {
    await renderHistory(ctx, historyHost, name, (text, ok) => (status(text, ok), ok !== false ? void onDeployed() : undefined))
    await onDeployed()
  }

  const steps = ctx.pipeline.slice(1).map((to, i) => {
    const from = ctx.pipeline[i]!
    return h('button', { 'data-promote': `${from}>${to}`, onclick: () => void promote(from, to) }, `Promote ${from} → ${to}`)
  })
  fill(
    detail,
    h('div', { class: 'row' }, h('h2', { id: 'function-name' }, name), h('button', { id: 'save', class: 'primary', onclick: () => void save() }, `Save → ${first}`), ...steps),
    editorHost,
    compileStatus,
    deployStatus,
    runHost,
    historyHost,
  )
  editor = createEditor(editorHost, () => name, onCompile)
  editor.set(await loadSource(ctx, name, isNew))
  renderRun(ctx, runHost, name)
  await refresh()
}
