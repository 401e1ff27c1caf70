import { describe, expect, it } from 'vitest'
import { consoleSink, createExecutor, memorySink, memoryStore } from '@scraping-run/runtime-core'

describe('log sinks', () => {
  it('consoleSink prints each line tagged with the function, and errors with their code and source-mapped stack', async () => {
    let printed = ''
    const executor = createExecutor({
      store: memoryStore([
        { name: 'talk', source: 'export default () => { console.info("one"); console.warn("two") }' },
        { name: 'fail', source: '\n\nexport default () => {\n  throw new Error("nope")\n}' },
      ]),
      logSink: consoleSink({ stream: { write: (chunk: string) => (printed += chunk) } }),
    })
    await executor.invoke('talk')
    await executor.invoke('fail')
    await executor.invoke('missing')
    await executor.close()
    const lines = printed.trim().split('\n')
    expect(lines[0]).toMatch(/^\S+ INFO  \[talk\] one$/)
    expect(lines[1]).toMatch(/^\S+ WARN  \[talk\] two$/)
    expect(printed).toMatch(/ERROR \[fail\] FUNCTION_ERROR: Error: nope\n {4}at \S*fail_default \(fail\.ts:4:9\)/)
    expect(printed).toMatch(/WARN  \[missing\] FUNCTION_NOT_FOUND: RuntimeError: function missing not found\n/)
  })

  it('memorySink keeps the newest records only', async () => {
    const sink = memorySink({ max: 2 })
    const executor = createExecutor({ store: memoryStore([{ name: 'n', source: 'export default (ctx: any) => ctx.body' }]), logSink: sink })
    for (const body of [1, 2, 3]) await executor.invoke('n', { body, requestId: `r${body}` })
    await executor.close()
    expect(sink.records.map((record) => [record.requestId, record.status, record.trigger.kind])).toEqual([
      ['r2', 'ok', 'invoke'],
      ['r3', 'ok', 'invoke'],
    ])
    sink.clear()
    expect(sink.records).toEqual([])
  })

  it('logToStdout echoes lines as they happen, tagged with the function name', async () => {
    const seen: string[] = []
    const original = console.log
    console.log = (line: string) => void seen.push(line)
    try {
      const executor = createExecutor({ store: memoryStore([{ name: 'say', source: 'export default () => console.log("live %d", 7)' }]), logToStdout: true })
      await executor.invoke('say')
      await executor.close()
    } finally {
      console.log = original
    }
    expect(seen).toContain('[say] live 7')
  })
})
