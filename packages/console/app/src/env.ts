// Env variables and secrets of the environment: names and kinds only; values are write-only (the server never returns them).
import { api, q } from './api.js'
import { field, fill, h, when } from './dom.js'
import type { Ctx } from './main.js'

interface EnvEntry {
  name: string
  secret: boolean
  updatedAt: string
  updatedBy: string | null
}

export async function renderEnv(ctx: Ctx): Promise<void> {
  const entries = await api<EnvEntry[]>('GET', `/admin/env${q({ environment: ctx.env })}`)
  const name = h('input', { id: 'env-name', placeholder: 'NAME' })
  const value = h('input', { id: 'env-value', type: 'password', placeholder: 'value (write-only)', autocomplete: 'off' })
  const secret = h('input', { id: 'env-secret', type: 'checkbox' })
  const message = h('p', { id: 'env-message' })
  const save = async (event: Event) => {
    event.preventDefault()
    try {
      await api('PUT', `/admin/env/${encodeURIComponent(name.value.trim())}`, { environment: ctx.env, value: value.value, secret: secret.checked })
      await renderEnv(ctx)
    } catch (error) {
      message.className = 'error'
      message.textContent = (error as Error).message
    }
  }
  const remove = async (entry: EnvEntry) => {
    await api('DELETE', `/admin/env/${encodeURIComponent(entry.name)}${q({ environment: ctx.env })}`)
    await renderEnv(ctx)
  }
  fill(
    ctx.view,
    h('h2', {}, `Env and secrets of ${ctx.env}`),
    h(
      'table',
      { class: 'list', id: 'env-table' },
      h('thead', {}, h('tr', {}, ...['name', 'kind', 'value', 'updated', ''].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...entries.map((entry) =>
          h(
            'tr',
            { 'data-env-name': entry.name },
            h('td', { class: 'mono' }, entry.name),
            h('td', {}, entry.secret ? 'secret' : 'variable'),
            h('td', { class: 'muted' }, '•••• (write-only)'),
            h('td', {}, `${when(entry.updatedAt)} ${entry.updatedBy ?? ''}`),
            h('td', {}, h('button', { class: 'link', onclick: () => void remove(entry) }, 'delete')),
          ),
        ),
      ),
    ),
    h('form', { class: 'row', onsubmit: save }, field('name', name), field('value', value), field('secret', secret), h('button', { type: 'submit', id: 'env-save' }, 'Set')),
    message,
  )
}
