// The console page: sign-in, then one view at a time (functions, logs, env, MCP, policies) for the chosen environment.
import { api, ApiError, token } from './api.js'
import { $, fill, h } from './dom.js'
import { renderEnv } from './env.js'
import { renderFunctions } from './functions.js'
import { renderLogs } from './logs.js'
import { renderMcp, renderPolicies } from './tools.js'

export interface Session {
  subject: string | null
  title: string
  environments: Array<{ name: string; run: boolean; logs: boolean }>
  features: { env: boolean; mcp: boolean; proxy: boolean }
}

export interface Ctx {
  session: Session
  env: string
  /** The environments in promotion order. */
  pipeline: string[]
  view: HTMLElement
  go(view: string): void
}

const VIEWS: Record<string, { label: string; render: (ctx: Ctx) => Promise<void> | void; when?: (s: Session) => boolean }> = {
  functions: { label: 'Functions', render: renderFunctions },
  logs: { label: 'Logs', render: renderLogs },
  env: { label: 'Env & secrets', render: renderEnv, when: (s) => s.features.env },
  mcp: { label: 'MCP', render: renderMcp, when: (s) => s.features.mcp },
  policies: { label: 'Policies', render: renderPolicies, when: (s) => s.features.proxy },
}

const root = $('#root')

function signIn(message?: string): void {
  const input = h('input', { id: 'token', type: 'password', placeholder: 'admin token (a JWT with type "admin")', autocomplete: 'off' })
  const submit = async (event: Event) => {
    event.preventDefault()
    token.set(input.value.trim())
    await start()
  }
  fill(
    root,
    h(
      'form',
      { class: 'signin', id: 'signin', onsubmit: submit },
      h('h1', {}, 'scraping-run console'),
      h('p', { class: 'muted' }, 'Sign in with the admin token your host printed or issued.'),
      input,
      h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in'),
      message ? h('p', { class: 'error', id: 'signin-error' }, message) : null,
    ),
  )
  input.focus()
}

async function start(): Promise<void> {
  if (!token.get()) return signIn()
  let session: Session
  try {
    session = await api<Session>('GET', '/session')
  } catch (error) {
    token.clear()
    return signIn(error instanceof ApiError ? error.message : String(error))
  }
  document.title = session.title
  const pipeline = session.environments.map((env) => env.name)
  const view = h('section', { id: 'view' })
  const ctx: Ctx = { session, env: pipeline[0] ?? '', pipeline, view, go: (name) => void show(name) }
  let current = 'functions'
  const envSelect = h('select', { id: 'env', onchange: () => ((ctx.env = envSelect.value), void show(current)) }, ...pipeline.map((name) => h('option', { value: name }, name)))
  const nav = h('nav', {}, ...Object.entries(VIEWS).filter(([, v]) => !v.when || v.when(session)).map(([name, v]) => h('button', { 'data-view': name, onclick: () => void show(name) }, v.label)))
  const signOut = h('button', { class: 'link', id: 'signout', onclick: () => (token.clear(), signIn()) }, 'Sign out')
  const header = h('header', {}, h('strong', {}, session.title), h('label', { class: 'env' }, 'Environment ', envSelect), nav, h('span', { class: 'muted', id: 'subject' }, session.subject ?? 'admin'), signOut)
  fill(root, header, view)

  async function show(name: string): Promise<void> {
    current = name
    for (const button of nav.querySelectorAll('button')) button.classList.toggle('active', button.dataset.view === name)
    fill(view, h('p', { class: 'muted' }, 'Loading…'))
    try {
      await VIEWS[name]!.render(ctx)
    } catch (error) {
      fill(view, h('p', { class: 'error' }, (error as Error).message))
    }
  }
  await show(current)
}

void start()
