import { afterEach, describe, expect, it } from 'vitest'
import { createExecutor, memoryStore, type Executor, type FunctionRecordInput } from '@scraping-run/runtime-core'

const open: Executor[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

function executorWith(records: FunctionRecordInput[]): Executor {
  const executor = createExecutor({ store: memoryStore(records) })
  open.push(executor)
  return executor
}

describe('import detection uses a lexer, not a regex over the code', () => {
  it('ignores require("./x") and import "@/x" inside strings, comments and template literals', async () => {
    const executor = executorWith([
      { name: 'mentions', source: 'export default () => \'call require("./helper") to load it\' // import x from "@/missing"' },
      { name: 'template', source: 'export default (ctx: any) => { const x = ctx.body; return `require(\'@/${x}\')` }' },
      { name: 'block', source: '/* import y from "./nowhere" */\nexport default () => "fine"' },
    ])
    expect((await executor.invoke('mentions')).data).toBe('call require("./helper") to load it')
    expect((await executor.invoke('template', { body: 'a b' })).data).toBe("require('@/a b')")
    expect((await executor.invoke('block')).data).toBe('fine')
  })

  it('still finds static imports, re-exports, require() and import() of a literal, and names a computed one that is not found', async () => {
    const executor = executorWith([
      { name: 'lib/a', source: 'export const a = 1' },
      { name: 'lib/b', source: 'export const b = 2' },
      { name: 'lib/c', source: 'export const c = 3' },
      { name: 'reexport', source: 'export { b } from "./lib/b"\nexport default () => 0' },
      { name: 'uses', source: 'import { a } from "@/lib/a"\nimport { b } from "./reexport"\nexport default async () => a + b + (await import("@/lib/c")).c' },
      { name: 'cjsStyle', language: 'js', source: 'const { a } = require("./lib/a")\nmodule.exports = () => a * 10' },
      { name: 'computed', source: 'export default async (ctx: any) => (await import(`@/lib/${ctx.body}`)).a' },
    ])
    expect((await executor.invoke('uses')).data).toBe(6)
    expect((await executor.invoke('cjsStyle')).data).toBe(10)
    const computed = await executor.invoke('computed', { body: 'a' })
    expect(computed.error).toMatchObject({ code: 'MODULE_NOT_FOUND', message: expect.stringContaining('static') })
  })
})
