// CPU time per call: what the wall-clock timeout cannot tell apart (a function that computes vs one that waits).
import { afterEach, describe, expect, it } from 'vitest'
import { createExecutor, isolateSandbox, isolateUnavailableReason, memoryStore, type Executor, type FunctionRecordInput } from '@scraping-run/runtime-core'

const open: Executor[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

function isolated(records: FunctionRecordInput[], cpuTimeMs: number): Executor {
  const executor = createExecutor({ store: memoryStore(records), sandbox: isolateSandbox({ warmIsolates: 1, cpuTimeMs }), timeoutMs: 20_000 })
  open.push(executor)
  return executor
}

const reason = await isolateUnavailableReason()
describe.skipIf(reason !== null)(`isolateSandbox({cpuTimeMs})${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it.each([
    ['a loop after an await', 'export default async () => { await null; while (true) {} }'],
    ['a loop in a timer callback', 'export default () => new Promise(() => { setTimeout(() => { while (true) {} }, 1) })'],
    ['a loop in ctx.waitUntil work', 'export default (ctx: any) => { ctx.waitUntil(new Promise(() => setTimeout(() => { while (true) {} }, 20))); return "answered" }'],
  ])('stops %s with CPU_LIMIT long before the 20 s timeout, and the next call gets a fresh isolate', async (label, source) => {
    const executor = isolated([{ name: 'spin', source }, { name: 'ok', source: 'export default () => "alive"' }], 150)
    const first = await executor.invoke('spin')
    if (label.includes('waitUntil')) {
      // The answer went out; the background work is what the limit stops (the isolate goes with it), so close(), which
      // waits for background work, returns instead of waiting out the 20 s timeout (past the test's own timeout).
      expect(first.data).toBe('answered')
      await executor.close()
      expect((await executor.invoke('ok')).error?.code).toBe('EXECUTOR_CLOSED')
    } else {
      expect(first.error).toMatchObject({ code: 'CPU_LIMIT', message: expect.stringContaining('CPU time') })
      expect((await executor.invoke('ok')).data).toBe('alive')
      expect((await executor.invoke('spin')).error?.code).toBe('CPU_LIMIT')
    }
  })

  it('does not count time spent waiting: a call that sleeps past its CPU budget succeeds', async () => {
    const executor = isolated([{ name: 'sleepy', source: 'export default async () => { await new Promise((r) => setTimeout(r, 400)); return "rested" }' }], 50)
    expect((await executor.invoke('sleepy')).data).toBe('rested')
    // Budgets are per call, not per isolate: the same isolate serves many calls that each stay under it.
    for (let i = 0; i < 5; i++) expect((await executor.invoke('sleepy')).data).toBe('rested')
  })

  it('takes a per-function budget from the record (cpuTimeMs), over the sandbox default', async () => {
    const executor = createExecutor({
      store: memoryStore([
        { name: 'tight', source: 'export default async () => { await null; while (true) {} }', cpuTimeMs: 100 },
        { name: 'free', source: 'export default () => { let s = 0; for (let i = 0; i < 3e6; i++) s += i; return s > 0 }' },
      ]),
      sandbox: isolateSandbox({ warmIsolates: 1 }),
      timeoutMs: 20_000,
    })
    open.push(executor)
    expect((await executor.invoke('tight')).error?.code).toBe('CPU_LIMIT')
    expect((await executor.invoke('free')).data).toBe(true)
    expect(() => memoryStore([{ name: 'bad', source: 'export default () => 1', cpuTimeMs: -1 }])).toThrow(/cpuTimeMs must be a positive number/)
  })

  it('lets a call that computes within its budget finish', async () => {
    const executor = isolated([{ name: 'sum', source: 'export default () => { let s = 0; for (let i = 0; i < 1e5; i++) s += i; return s }' }], 500)
    expect((await executor.invoke('sum')).data).toBe(4999950000)
  })
})
