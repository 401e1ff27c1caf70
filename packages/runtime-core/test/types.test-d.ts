// Public types, checked by `tsc --noEmit` (the typecheck script); nothing here runs.
import type { FunctionContext } from '@scraping-run/cloud'
import { expectTypeOf } from 'vitest'
import {
  createExecutor,
  memoryStore,
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
