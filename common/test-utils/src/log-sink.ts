// Conformance suite for runtime-core LogSink implementations (memorySink, consoleSink, mongoSink, …). Records come from a
// real executor, and a few are written directly when a case needs exact times. Typed structurally: this package depends
// on neither runtime-core nor vitest.
// @ts-ignore -- vitest resolves at test time (see function-store.ts)
import * as vitestApi from 'vitest'

export interface LogSinkSuiteApi {
  describe: (name: string, body: () => void) => void
  it: ((name: string, body: () => Promise<void> | void, timeout?: number) => void) & {
    skipIf(condition: boolean): (name: string, body: () => Promise<void> | void, timeout?: number) => void
  }
  expect: any
  afterEach: (body: () => Promise<void> | void) => void
}

/** The runtime-core entry points the suite uses (pass `{createExecutor, memoryStore}`). */
export interface LogSinkSuiteRuntime {
  createExecutor(options: any): any
  memoryStore(records?: any[]): any
}

export interface ConformingSink {
  readonly name?: string
  write(record: any): void | Promise<void>
  close?(): void | Promise<void>
  queryLogs?(query?: any): Promise<any[]>
}

export interface LogSinkFixture {
  sink: ConformingSink
  /** Every record the sink's medium holds (called after the sink was closed). Absent for write-only sinks (console). */
  read?(): Promise<any[]>
  dispose?(): Promise<void>
}

/** Declared up front, so the cases a sink cannot run are skipped (and say so), never passed without checking. */
export interface LogSinkCapabilities {
  /** The fixture can read back what was written. */
  read: boolean
  /** The sink has `queryLogs`. */
  query: boolean
}

const FUNCTIONS = [
  { name: 'ok', source: 'export default (ctx: any) => { console.log("hello", ctx.body?.n); return 1 }' },
  { name: 'fails', source: 'export default () => { console.warn("about to fail"); throw new Error("boom") }' },
]

function syntheticRecord(overrides: Record<string, unknown>): any {
  return {
    functionName: 'synthetic',
    requestId: 'synthetic-1',
    trigger: { kind: 'invoke', caller: null },
    cold: false,
    startedAt: new Date('2026-01-01T00:00:00.000Z'),
    durationMs: 1.5,
    status: 'ok',
    logs: [],
    ...overrides,
  }
}

/** Runs the LogSink contract against `create()` (a fresh, empty sink per test). */
export function testLogSink(
  label: string,
  create: () => Promise<LogSinkFixture>,
  runtime: LogSinkSuiteRuntime,
  capabilities: LogSinkCapabilities,
  api: LogSinkSuiteApi = vitestApi as LogSinkSuiteApi,
): void {
  const { describe, it, expect, afterEach } = api
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!()
  })

  async function fixture(): Promise<LogSinkFixture> {
    const made = await create()
    cleanup.push(async () => {
      await made.sink.close?.()
      await made.dispose?.()
    })
    return made
  }

  async function invokeAll(sink: ConformingSink, calls: Array<[string, any]>): Promise<any[]> {
    const executor = runtime.createExecutor({ store: runtime.memoryStore(FUNCTIONS), logSink: sink })
    const results = await Promise.all(calls.map(([name, init]) => executor.invoke(name, init)))
    // Closing the executor closes (and so flushes) its sink.
    await executor.close()
    return results
  }

  describe(`LogSink conformance: ${label}`, () => {
    it('takes every record an executor writes without failing an invocation', async () => {
      const { sink } = await fixture()
      const results = await invokeAll(sink, [
        ['ok', { requestId: 'conf-ok', body: { n: 1 } }],
        ['fails', { requestId: 'conf-fails' }],
        ['missing', { requestId: 'conf-missing' }],
      ])
      expect(results.map((result) => result.error?.code ?? 'ok')).toEqual(['ok', 'FUNCTION_ERROR', 'FUNCTION_NOT_FOUND'])
    })

    it('accepts records of every shape directly, and close() twice', async () => {
      const { sink } = await fixture()
      await sink.write(syntheticRecord({}))
      await sink.write(syntheticRecord({ requestId: 'synthetic-2', status: 'error', error: { code: 'TIMEOUT', message: 'slow' } }))
      await sink.write(syntheticRecord({ requestId: 'synthetic-3', trigger: { kind: 'cron', name: 'nightly', scheduledAt: '2026-01-01T00:00:00.000Z' }, memory: { usedBytes: 1024 } }))
      await sink.close?.()
      await sink.close?.()
    })

    it.skipIf(!capabilities.read)('keeps every field of the record: function, request id, trigger, cold, startedAt (a Date), duration, status, error, logs', async () => {
      const { sink, read } = await fixture()
      const before = Date.now()
      await invokeAll(sink, [
        ['ok', { requestId: 'fields-ok', body: { n: 7 }, trigger: { kind: 'http' } }],
        ['fails', { requestId: 'fields-fails' }],
      ])
      const records = await read!()
      const ok = records.find((record) => record.requestId === 'fields-ok')
      const failed = records.find((record) => record.requestId === 'fields-fails')
      expect(ok).toMatchObject({ functionName: 'ok', trigger: { kind: 'http' }, cold: true, status: 'ok' })
      expect(ok.error).toBeUndefined()
      expect(ok.logs).toEqual([expect.objectContaining({ level: 'log', message: 'hello 7', requestId: 'fields-ok', functionName: 'ok' })])
      expect(ok.startedAt).toBeInstanceOf(Date)
      expect(ok.startedAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
      expect(ok.startedAt.getTime()).toBeLessThanOrEqual(Date.now())
      expect(typeof ok.durationMs).toBe('number')
      expect(failed).toMatchObject({ functionName: 'fails', status: 'error', error: { code: 'FUNCTION_ERROR', message: 'boom' } })
      expect(failed.logs.map((log: any) => log.message)).toEqual(['about to fail'])
    })

    it.skipIf(!capabilities.read)('records each of many concurrent invocations exactly once', async () => {
      const { sink, read } = await fixture()
      const calls: Array<[string, any]> = Array.from({ length: 250 }, (_, i) => ['ok', { requestId: `many-${i}`, body: { n: i } }])
      await invokeAll(sink, calls)
      const ids = (await read!()).map((record) => record.requestId).filter((id: string) => id.startsWith('many-'))
      expect(ids.length).toBe(250)
      expect(new Set(ids).size).toBe(250)
    })

    it.skipIf(!capabilities.query)('queryLogs finds one request by its id, and by function and status, newest first', async () => {
      const { sink } = await fixture()
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute))
      await sink.write(syntheticRecord({ requestId: 'q1', functionName: 'a', startedAt: at(1) }))
      await sink.write(syntheticRecord({ requestId: 'q2', functionName: 'a', startedAt: at(2), status: 'error', error: { code: 'FUNCTION_ERROR', message: 'x' } }))
      await sink.write(syntheticRecord({ requestId: 'q3', functionName: 'a', startedAt: at(3), status: 'error', error: { code: 'TIMEOUT', message: 'y' } }))
      await sink.write(syntheticRecord({ requestId: 'q4', functionName: 'b', startedAt: at(4), trigger: { kind: 'http' } }))
      await sink.close?.()
      const one = await sink.queryLogs!({ requestId: 'q2' })
      expect(one.map((record) => record.requestId)).toEqual(['q2'])
      expect(one[0].startedAt).toBeInstanceOf(Date)
      expect(one[0].error).toEqual({ code: 'FUNCTION_ERROR', message: 'x' })
      expect((await sink.queryLogs!({ functionName: 'a', status: 'error' })).map((record) => record.requestId)).toEqual(['q3', 'q2'])
      expect((await sink.queryLogs!({ trigger: 'http' })).map((record) => record.requestId)).toEqual(['q4'])
      expect((await sink.queryLogs!({ since: at(2), until: at(4) })).map((record) => record.requestId)).toEqual(['q3', 'q2'])
      expect((await sink.queryLogs!({ since: at(2).toISOString(), limit: 1 })).map((record) => record.requestId)).toEqual(['q4'])
      expect(await sink.queryLogs!({ requestId: 'nobody' })).toEqual([])
    })

    it.skipIf(!capabilities.query)('queryLogs refuses anything but plain values (an operator object is never a filter)', async () => {
      const { sink } = await fixture()
      await sink.write(syntheticRecord({ requestId: 'secret' }))
      await sink.close?.()
      for (const bad of [{ requestId: { $ne: 'x' } }, { status: 'maybe' }, { since: 'not a date' }, { limit: 0 }, { limit: 5000 }, { functionName: ['a'] }]) {
        await expect(sink.queryLogs!(bad)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
      }
    })
  })
}
