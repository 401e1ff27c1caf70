import { randomUUID } from 'node:crypto'
import { createTokenHelpers } from '@scraping-run/cloud'
import type { FunctionContext, TokenPayload } from '@scraping-run/cloud'
import { FunctionCache } from './cache.js'
import { createLogCollector } from './console.js'
import { RuntimeError, toInvokeError } from './errors.js'
import { compose } from './interceptors.js'
import { invalidNameReason } from './names.js'
import { createSdk, frames, installProvider } from './provider.js'
import { vmSandbox } from './sandbox/vm.js'
import { SourceMaps } from './sourcemap.js'
import type { Executor, ExecutorEvent, ExecutorOptions, Interceptor, InvokeInit, InvokeResult, SandboxHandle } from './types.js'

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
    maxInvokeDepth: options.maxInvokeDepth ?? DEFAULT_MAX_INVOKE_DEPTH,
    invoke: (name, init, depth) => run(name, init, depth),
  })
  const runtime = { sdk: created.sdk }
  const uninstall = installProvider(runtime)

  function notify(event: ExecutorEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  const unwatch = store.watch((event) => {
    cache.evict([event.name])
    notify(event)
  })

  // `__init__` runs once, after construction returns (so `use()` calls made right away apply to it too).
  let started: Promise<void> | undefined
  function ready(): Promise<void> {
    started ??= (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve))
      await created.prepare()
      if (await cache.record('__init__').catch(() => undefined)) {
        const result = await run('__init__', { trigger: { kind: 'init' } }, 0, true)
        if (result.error) console.error(`[__init__] ${result.error.code}: ${result.error.stack ?? result.error.message}`)
      }
    })()
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
      remapStack: maps.remap,
    })
    const controller = new AbortController()
    const onCallerAbort = () => controller.abort(new RuntimeError('ABORTED', `the caller cancelled ${name}`))
    if (init.signal?.aborted) onCallerAbort()
    else init.signal?.addEventListener('abort', onCallerAbort, { once: true })
    const ctx: FunctionContext = {
      requestId,
      functionName: name,
      method: (init.method ?? 'POST').toUpperCase(),
      path: init.path ?? `/${name}`,
      query: init.query ?? {},
      body: init.body,
      headers: init.headers ?? {},
      user: init.user ?? null,
      trigger,
      env,
      signal: controller.signal,
    }
    if (init.files) ctx.files = init.files
    if (init.request) ctx.request = init.request
    if (init.response) ctx.response = init.response
    let cold = false
    const callOptions = { console: collector.bridge, env, signal: controller.signal }

    const load = async (target: string): Promise<SandboxHandle> => {
      const loaded = await cache.handle(target, callOptions)
      if (loaded.cold) cold = true
      return loaded.handle
    }

    let data: unknown
    let error: InvokeResult['error']
    try {
      if (closed) throw new RuntimeError('EXECUTOR_CLOSED', 'the executor is closed')
      if (!starting) await ready()
      const reason = invalidNameReason(name)
      if (reason) throw new RuntimeError('INVALID_FUNCTION_NAME', `invalid function name: ${reason}`)

      let target = name
      let record = init.debugSource ? undefined : await cache.record(name)
      if (!record && !init.debugSource) {
        record = name.startsWith('__') ? undefined : await cache.record('__default__')
        if (!record) throw new RuntimeError('FUNCTION_NOT_FOUND', `function ${name} not found`)
        target = '__default__'
      }
      if (trigger.kind === 'http' && !init.debugSource && record?.methods && !record.methods.includes(ctx.method)) {
        throw new RuntimeError('METHOD_NOT_ALLOWED', `${name} does not answer ${ctx.method} (allowed: ${record.methods.join(', ')})`)
      }
      const timeoutMs = record?.timeoutMs ?? defaultTimeoutMs
      const limits = { ...callOptions, timeoutMs }

      const links: Interceptor[] = [...interceptors]
      if (target !== '__interceptor__' && (await cache.record('__interceptor__'))) {
        links.push(async (ctx, next) => sandbox.run(await load('__interceptor__'), ctx, { ...limits, args: [next] }))
      }
      const final = async (ctx: FunctionContext) => {
        const handle = init.debugSource
          ? await cache.transient(name, init.debugSource.source, init.debugSource.language, callOptions)
          : await load(target)
        if (init.debugSource) cold = true
        return sandbox.run(handle, ctx, limits)
      }
      const chain = compose(links, final)
      data = await withTimeout(
        frames.run({ runtime, depth, ctx }, () => chain(ctx)),
        timeoutMs,
        controller,
        name,
      )
    } catch (thrown) {
      error = toInvokeError(thrown, maps.cleanStack)
    } finally {
      init.signal?.removeEventListener('abort', onCallerAbort)
    }
    const durationMs = performance.now() - started
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
    invoke: (name, init = {}) => run(name, init, 0) as Promise<InvokeResult<any>>,
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

/** Settles with the work, or rejects with TIMEOUT (aborting `ctx.signal`) even if the work never settles. */
function withTimeout<T>(work: Promise<T>, timeoutMs: number, controller: AbortController, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(controller.signal.reason)
    }
    const timer = setTimeout(() => {
      controller.signal.removeEventListener('abort', onAbort)
      const error = new RuntimeError('TIMEOUT', `${name} did not finish within ${timeoutMs} ms`)
      controller.abort(error)
      reject(error)
    }, timeoutMs)
    if (controller.signal.aborted) return onAbort()
    controller.signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        clearTimeout(timer)
        controller.signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        controller.signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
