// The editor: CodeMirror 6 with TypeScript highlighting, and syntax errors from the server's own compiler (esbuild, as the
// runtime compiles on save) drawn inline at their line.
import { javascript } from '@codemirror/lang-javascript'
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint'
import { EditorView, basicSetup } from 'codemirror'
import { api } from './api.js'

export interface CompileAnswer {
  ok: boolean
  message?: string
  line?: number
  column?: number
}

export interface Editor {
  view: EditorView
  get(): string
  set(source: string): void
}

/** A diagnostic at the compiler's line and column (1-based line, 0-based column, as esbuild reports them). */
export function diagnosticOf(view: EditorView, answer: CompileAnswer): Diagnostic {
  const doc = view.state.doc
  const line = doc.line(Math.min(Math.max(answer.line ?? 1, 1), doc.lines))
  const from = Math.min(line.from + (answer.column ?? 0), line.to)
  return { from, to: Math.min(Math.max(from + 1, line.to), doc.length), severity: 'error', message: answer.message ?? 'compile error' }
}

export function createEditor(parent: HTMLElement, name: () => string, onCompile: (answer: CompileAnswer) => void): Editor {
  const compileLinter = linter(
    async (view) => {
      const answer = await api<CompileAnswer>('POST', '/compile', { name: name(), source: view.state.doc.toString(), language: 'ts' }).catch(
        (error: Error): CompileAnswer => ({ ok: false, message: error.message }),
      )
      onCompile(answer)
      return answer.ok || !answer.line ? [] : [diagnosticOf(view, answer)]
    },
    { delay: 300 },
  )
  const view = new EditorView({
    parent,
    doc: '',
    extensions: [basicSetup, javascript({ typescript: true }), lintGutter(), compileLinter, EditorView.theme({ '&': { height: '100%' }, '.cm-scroller': { fontFamily: 'ui-monospace, monospace' } })],
  })
  return {
    view,
    get: () => view.state.doc.toString(),
    set(source) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: source } })
    },
  }
}

/** A line diff (longest common subsequence) of two sources, for the history panel: [' ' | '-' | '+', line][]. */
export function lineDiff(before: string, after: string): Array<[' ' | '-' | '+', string]> {
  const a = before.split('\n')
  const b = after.split('\n')
  const rows = a.length + 1
  const cols = b.length + 1
  const table = new Uint32Array(rows * cols)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] = a[i] === b[j] ? table[(i + 1) * cols + j + 1]! + 1 : Math.max(table[(i + 1) * cols + j]!, table[i * cols + j + 1]!)
    }
  }
  const out: Array<[' ' | '-' | '+', string]> = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) out.push([' ', a[i++]!]), j++
    // Removed lines before added ones, as unified diffs show them.
    else if (i < a.length && (j === b.length || table[(i + 1) * cols + j]! >= table[i * cols + j + 1]!)) out.push(['-', a[i++]!])
    else out.push(['+', b[j++]!])
  }
  return out
}
