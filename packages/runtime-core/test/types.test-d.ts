// Public types, checked by `tsc --noEmit` (the typecheck script); nothing here runs.
import type { FunctionContext } from '@scraping-run/cloud'
import { expectTypeOf } from 'vitest'
import type { Db } from 'mongodb'
import {
  consoleSink,
  createExecutor,
  memorySink,
  memoryStore,
  mongoSink,
  type InvocationLog,
  type LogQuery,
  type MongoSinkStats,
  vmSandbox,
  type Executor,
  type FunctionStore,
  type Interceptor,
  type InvokeResult,
  type Sandbox,
} from '@scraping-run/runtime-core'
import { functionsMiddleware, type FunctionsRouter } from '@scraping-run/runtime-core/express'

const executor = createExecutor({ store: memoryStore() })
expectTypeOf(executor).toEqualTypeOf<Executor>()
expectTypeOf(executor.store).toEqualTypeOf<FunctionStore>()
expectTypeOf(vmSandbox()).toEqualTypeOf<Sandbox>()
expectTypeOf(executor.invoke<{ ok: boolean }>('x')).resolves.toEqualTypeOf<InvokeResult<{ ok: boolean }>>()
expectTypeOf<InvokeResult['error']>().toEqualTypeOf<{ message: string; code: string; stack?: string } | undefined>()
expectTypeOf<Parameters<Interceptor>[0]>().toEqualTypeOf<FunctionContext>()
expectTypeOf(functionsMiddleware(executor)).toEqualTypeOf<FunctionsRouter>()
// The MCP adapter's call shape.
void executor.invoke('tool', { body: { a: 1 }, trigger: { kind: 'mcp', tool: 'tool' }, user: null, signal: new AbortController().signal })
// @ts-expect-error a store is required
createExecutor({})

// Logs: one sink or several; records carry startedAt as a Date; queryLogs takes plain values.
declare const db: Db
const logs = mongoSink({ db, ttlDays: 14 })
createExecutor({ store: memoryStore(), logSink: [logs, consoleSink(), memorySink()], onSinkError: (error, sink, record) => void [error, sink.name, record?.requestId] })
createExecutor({ store: memoryStore(), logSink: logs })
expectTypeOf<InvocationLog['startedAt']>().toEqualTypeOf<Date>()
expectTypeOf(logs.queryLogs({ requestId: 'r', status: 'error', since: new Date() })).resolves.toEqualTypeOf<InvocationLog[]>()
expectTypeOf(logs.stats()).toEqualTypeOf<MongoSinkStats>()
// @ts-expect-error status is 'ok' or 'error'
void logs.queryLogs({ status: 'maybe' } satisfies LogQuery)
