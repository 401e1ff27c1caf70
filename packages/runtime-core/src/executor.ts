import { randomUUID } from 'node:crypto'
import { createTokenHelpers } from '@scraping-run/cloud'
import type { FunctionContext, TokenPayload } from '@scraping-run/cloud'
import { FunctionCache } from './cache.js'
import { createLogCollector } from './console.js'
import { RuntimeError, toInvokeError } from './errors.js'
import { compose } from './interceptors.js'
import { invalidNameReason } from './names.js'
import { createSdk, installProvider } from './provider.js'
import { callScope } from './scope.js'
import { CallAbort, CallOptions, InvocationContext, withTimeout } from './abort.js'
import { vmSandbox } from './sandbox/vm.js'
import { SourceMaps } from './sourcemap.js'
import type { Executor, ExecutorEvent, ExecutorOptions, Interceptor, InvokeInit, InvokeResult, SandboxCallOptions, SandboxHandle } from './types.js'

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_INVOKE_DEPTH = 16

/**
 * The one path every entry point takes: resolve the function (or `__default__`), check methods for HTTP, run the
 * interceptor chain (programmatic, then `__interceptor__`), run the function in the sandbox under a timeout.
 */
export function createExecutor(options: ExecutorOptions): Executor {
  if (!options?.store) throw new RuntimeError('BAD_REQUEST', 'createExecutor needs a store (memoryStore(), directoryStore(dir), …)')
  const store = options.store
  const sandbox = options.sandbox ?? vmSandbox()
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const env = options.env ?? {}
  const interceptors: Interceptor[] = [...(options.interceptors ?? [])]
  const maps = new SourceMaps()
  const cache = new FunctionCache(store, sandbox, maps)
  const listeners = new Set<(event: ExecutorEvent) => void>()
  const tokens = createTokenHelpers(options.jwtSecret)
  let closed = false

  const created = createSdk({
    jwtSecret: options.jwtSecret,
    appid: options.appid ?? 'default',
    env,
    storage: options.storage,
    mongo: options.mongo,
    database: options.database,
    maxInvokeDepth: options.maxInvokeDepth ?? DEFAULT_MAX_INVOKE_DEPTH,
    // Nested calls come from a running invocation (maybe __init__ itself): waiting for ready() there would deadlock.
    invoke: (name, init, depth) => run(name, init, depth, true),
  })
  const runtime = { sdk: created.sdk }
  const uninstall = installProvider(runtime)

  function notify(event: ExecutorEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (error) {
        // A listener's bug must not stop the other listeners, nor take the host down.
        console.error('[scraping-run] an executor.watch listener threw:', error)
      }
    }
  }

  const unwatch = store.watch((event) => {
    cache.evict([event.name])
    notify(event)
  })

  // `__init__` runs once, after construction returns (so `use()` calls made right away apply to it too).
  let started: Promise<void> | undefined
  let isReady = false
  function ready(): Promise<void> {
    started ??= (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (closed) return
      await created.prepare()
      if (!closed && (await cache.record('__init__').catch(() => undefined))) {
        const result = await run('__init__', { trigger: { kind: 'init' } }, 0, true)
        if (result.error) console.error(`[__init__] ${result.error.code}: ${result.error.stack ?? result.error.message}`)
      }
    })().finally(() => {
      isReady = true
    })
    return started
  }
  void ready()

  async function run(name: string, init: InvokeInit, depth: number, starting = false): Promise<InvokeResult> {
    const started = performance.now()
    const requestId = init.requestId ?? randomUUID()
    const trigger = init.trigger ?? { kind: 'invoke' as const }
    const collector = createLogCollector({
      requestId,
      functionName: name,
      maxLines: options.logLimits?.maxLines,
      maxBytes: options.logLimits?.maxBytes,
      remapStack: maps.cleanStack,
      echo: options.logToStdout,
    })
    // ctx.signal is created on first use: most functions never read it, and an AbortController per call is measurable.
    const abort = new CallAbort(init.signal)
    const ctx = new InvocationContext(requestId, name, init, trigger, env, abort) as FunctionContext
    if (init.files) ctx.files = init.files
    if (init.request) ctx.request = init.request
    if (init.response) ctx.response = init.response
    let cold = false
    const callOptions = new CallOptions(collector.bridge, env, defaultTimeoutMs, abort)

    const load = (target: string): SandboxHandle | Promise<SandboxHandle> => {
      const warm = cache.peekHandle(target)
      if (warm) return warm
      cold = true
      return cache.handle(target, callOptions).then((loaded) => loaded.handle)
    }

    let data: unknown
    let error: InvokeResult['error']
    const restoreMaps: Array<() => void> = []
    try {
      if (closed) throw new RuntimeError('EXECUTOR_CLOSED', 'the executor is closed')
      if (!starting && !isReady) await ready()
      const reason = invalidNameReason(name)
      if (reason) throw new RuntimeError('INVALID_FUNCTION_NAME', `invalid function name: ${reason}`)

      let target = name
      // Await only real promises: a warm call should not pay a microtask per lookup.
      let record = init.debugSource ? undefined : cache.recordFast(name)
      if (record instanceof Promise) record = await record
      if (!record && !init.debugSource) {
        record = name.startsWith('__') ? undefined : cache.recordFast('__default__')
        if (record instanceof Promise) record = await record
        if (!record) throw new RuntimeError('FUNCTION_NOT_FOUND', `function ${name} not found`)
        target = '__default__'
      }
      if (trigger.kind === 'http' && !init.debugSource && record?.methods && !record.methods.includes(ctx.method)) {
        throw new RuntimeError('METHOD_NOT_ALLOWED', `${name} does not answer ${ctx.method} (allowed: ${record.methods.join(', ')})`)
      }
      const timeoutMs = record?.timeoutMs ?? defaultTimeoutMs
      const limits = (args?: unknown[]): SandboxCallOptions => new CallOptions(collector.bridge, env, timeoutMs, abort, args)

      const final = (ctx: FunctionContext): Promise<unknown> => {
        if (init.debugSource) {
          cold = true
          return cache
            .transient(name, init.debugSource.source, init.debugSource.language, callOptions, restoreMaps)
            .then((handle) => sandbox.run(handle, ctx, limits()))
        }
        const handle = load(target)
        return handle instanceof Promise ? handle.then((loaded) => sandbox.run(loaded, ctx, limits())) : sandbox.run(handle, ctx, limits())
      }
      const links: Interceptor[] = interceptors.length ? [...interceptors] : []
      let interceptorRecord = target === '__interceptor__' ? undefined : cache.recordFast('__interceptor__')
      if (interceptorRecord instanceof Promise) interceptorRecord = await interceptorRecord
      if (interceptorRecord) {
        links.push(async (ctx, next) => sandbox.run(await load('__interceptor__'), ctx, limits([next])))
      }
      const chain = links.length ? compose(links, final) : final
      data = await withTimeout(
        callScope.run({ runtime, depth, ctx, console: collector.bridge, env }, () => chain(ctx)),
        timeoutMs,
        abort,
        name,
      )
    } catch (thrown) {
      error = toInvokeError(thrown, maps.cleanStack)
    } finally {
      abort.dispose()
      for (const restore of restoreMaps) restore()
    }
    const durationMs = performance.now() - started
    collector.close()
    const logs = collector.records
    const result: InvokeResult = error ? { error, durationMs, logs, cold, requestId } : { data, durationMs, logs, cold, requestId }
    if (options.logSink) {
      try {
        const written = options.logSink.write({
          functionName: name,
          requestId,
          trigger,
          cold,
          durationMs,
          status: error ? 'error' : 'ok',
          ...(error ? { error } : {}),
          logs,
        })
        if (written && typeof (written as Promise<void>).catch === 'function') (written as Promise<void>).catch(() => undefined)
      } catch {
        // A failing sink must not fail the invocation.
      }
    }
    return result
  }

  return {
    store,
    sandbox,
    invoke: (name, init) => run(name, init ?? {}, 0) as Promise<InvokeResult<any>>,
    use(interceptor) {
      if (typeof interceptor !== 'function') throw new RuntimeError('BAD_REQUEST', 'use(interceptor) expects a function (ctx, next) => result')
      interceptors.push(interceptor)
      return () => {
        const index = interceptors.indexOf(interceptor)
        if (index >= 0) interceptors.splice(index, 1)
      }
    },
    async reload(name) {
      if (name === undefined) cache.clear()
      else cache.evict([name])
      notify({ type: 'reload', ...(name === undefined ? {} : { name }) })
    },
    watch(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    ready,
    getToken: (payload, tokenOptions) => tokens.getToken(payload, tokenOptions),
    parseToken(token): TokenPayload | null {
      if (!options.jwtSecret) return null
      return tokens.parseToken(token)
    },
    async close() {
      if (closed) return
      closed = true
      unwatch()
      listeners.clear()
      uninstall()
      cache.clear()
      await sandbox.dispose()
      await created.close()
      await options.logSink?.close?.()
    },
  }
}
