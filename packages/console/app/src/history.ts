// The history of a function in the chosen environment: every deployment, a diff of any version against what is live,
// and one-click rollback.
import { api, q } from './api.js'
import { fill, h, when } from './dom.js'
import { lineDiff } from './editor.js'
import type { Ctx } from './main.js'

interface Entry {
  version: number
  action: string
  by: string | null
  at: string
  source?: string
  rollbackOf?: number
  promotedFrom?: { environment: string; version: number }
}

function diffView(before: Entry, after: Entry): HTMLElement {
  const rows = lineDiff(before.source ?? '', after.source ?? '')
  return h(
    'div',
    { id: 'diff' },
    h('p', { class: 'muted' }, `v${before.version} → v${after.version} (live)`),
    h('pre', { class: 'diff' }, ...rows.map(([mark, line]) => h('div', { class: mark === '+' ? 'add' : mark === '-' ? 'del' : '' }, `${mark} ${line}`))),
  )
}

export async function renderHistory(ctx: Ctx, host: HTMLElement, name: string, status: (text: string, ok?: boolean) => void): Promise<void> {
  const entries = await api<Entry[]>('GET', `/admin/functions/${encodeURIComponent(name)}:history${q({ environment: ctx.env, source: 1, limit: 50 })}`).catch(() => [] as Entry[])
  const diff = h('div', {})
  const live = entries[0]
  const rollback = async (version: number) => {
    try {
      const deployed = await api<{ version: number }>('POST', `/admin/functions/${encodeURIComponent(name)}:rollback`, { environment: ctx.env, version })
      status(`Rolled ${ctx.env} back to v${version} (now v${deployed.version}).`)
      await renderHistory(ctx, host, name, status)
    } catch (error) {
      status(`Not rolled back: ${(error as Error).message}`, false)
    }
  }
  const what = (entry: Entry) =>
    entry.rollbackOf ? `rollback of v${entry.rollbackOf}` : entry.promotedFrom ? `promote from ${entry.promotedFrom.environment} v${entry.promotedFrom.version}` : entry.action
  fill(
    host,
    h('h3', {}, `History in ${ctx.env}`),
    entries.length === 0
      ? h('p', { class: 'muted' }, `Not deployed to ${ctx.env} yet.`)
      : h(
          'table',
          { class: 'list', id: 'history' },
          h('thead', {}, h('tr', {}, ...['version', 'what', 'by', 'at', ''].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            ...entries.map((entry) =>
              h(
                'tr',
                { 'data-version': entry.version },
                h('td', {}, `v${entry.version}`),
                h('td', {}, what(entry)),
                h('td', {}, entry.by ?? ''),
                h('td', {}, when(entry.at)),
                h(
                  'td',
                  {},
                  entry !== live && entry.source !== undefined ? h('button', { class: 'link', 'data-diff': entry.version, onclick: () => fill(diff, diffView(entry, live!)) }, 'diff') : null,
                  entry !== live && entry.source !== undefined ? h('button', { class: 'link', 'data-rollback': entry.version, onclick: () => void rollback(entry.version) }, 'roll back') : null,
                ),
              ),
            ),
          ),
        ),
    diff,
  )
}
