import { testLogSink } from '@scraping-run/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { consoleSink, createExecutor, memorySink, memoryStore, type InvocationLog, type LogSink } from '@scraping-run/runtime-core'

const runtime = { createExecutor, memoryStore }

testLogSink('memorySink', async () => {
  const sink = memorySink()
  return { sink, read: async () => sink.records }
}, runtime, { read: true, query: true })

testLogSink('consoleSink', async () => {
  let printed = ''
  return { sink: consoleSink({ stream: { write: (chunk: string) => (printed += chunk) } }), dispose: async () => void printed }
}, runtime, { read: false, query: false })

const store = () => memoryStore([{ name: 'hi', source: 'export default () => { console.log("hi"); return "hi" }' }])

describe('several sinks and onSinkError', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('logSink accepts an array: every sink gets every record, and close() closes each', async () => {
    const first = memorySink()
    const second = memorySink()
    let closed = 0
    const closing: LogSink = { name: 'closing', write: () => undefined, close: () => void closed++ }
    const executor = createExecutor({ store: store(), logSink: [first, second, closing] })
    await executor.invoke('hi', { requestId: 'r1' })
    await executor.invoke('hi', { requestId: 'r2' })
    await executor.close()
    expect(first.records.map((record) => record.requestId)).toEqual(['r1', 'r2'])
    expect(second.records.map((record) => record.requestId)).toEqual(['r1', 'r2'])
    expect(closed).toBe(1)
  })

  it('a throwing or rejecting sink fails no invocation, reaches onSinkError, and the other sinks still get the record', async () => {
    const errors: Array<[string, string, string | undefined]> = []
    const throwing: LogSink = { name: 'throwing', write: () => { throw new Error('disk full') } }
    const rejecting: LogSink = { name: 'rejecting', write: async () => { throw new Error('network down') }, close: async () => { throw new Error('close failed') } }
    const kept = memorySink()
    const executor = createExecutor({
      store: store(),
      logSink: [throwing, rejecting, kept],
      onSinkError: (error, sink, record) => void errors.push([sink.name!, (error as Error).message, record?.requestId]),
    })
    const result = await executor.invoke('hi', { requestId: 'r1' })
    expect(result.error).toBeUndefined()
    expect(result.data).toBe('hi')
    await executor.close()
    expect(kept.records.map((record) => record.requestId)).toEqual(['r1'])
    expect(errors).toEqual(
      expect.arrayContaining([
        ['throwing', 'disk full', 'r1'],
        ['rejecting', 'network down', 'r1'],
        ['rejecting', 'close failed', undefined],
      ]),
    )
    expect(errors).toHaveLength(3)
  })

  it('by default warns once per sink per minute, naming the sink', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const flaky: LogSink = { name: 'flaky', write: () => { throw new Error('nope') } }
    const other: LogSink = { name: 'other', write: () => { throw new Error('also nope') } }
    const executor = createExecutor({ store: store(), logSink: [flaky, other] })
    for (let i = 0; i < 5; i++) await executor.invoke('hi')
    await executor.close()
    const lines = warn.mock.calls.map((call) => String(call[0]))
    expect(lines.filter((line) => line.includes('log sink flaky failed: nope'))).toHaveLength(1)
    expect(lines.filter((line) => line.includes('log sink other failed: also nope'))).toHaveLength(1)
  })

  it('a throwing onSinkError does not fail the invocation either', async () => {
    const executor = createExecutor({
      store: store(),
      logSink: { write: () => { throw new Error('x') } },
      onSinkError: () => { throw new Error('the hook is broken too') },
    })
    expect((await executor.invoke('hi')).data).toBe('hi')
    await executor.close()
  })

  it('records carry startedAt (a Date when the call began) and the incoming traceparent', async () => {
    const sink = memorySink()
    const executor = createExecutor({ store: store(), logSink: sink })
    const before = Date.now()
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    await executor.invoke('hi', { headers: { traceparent } })
    await executor.invoke('hi')
    await executor.close()
    const [first, second] = sink.records as [InvocationLog, InvocationLog]
    expect(first.startedAt).toBeInstanceOf(Date)
    expect(first.startedAt.getTime()).toBeGreaterThanOrEqual(before - 5)
    expect(first.startedAt.getTime()).toBeLessThanOrEqual(second.startedAt.getTime())
    expect(first.traceparent).toBe(traceparent)
    expect('traceparent' in second).toBe(false)
  })
})
