import { randomUUID } from 'node:crypto'
import { createTokenHelpers } from '@scraping-run/cloud'
import type { TokenPayload } from '@scraping-run/cloud'
import { createLogCollector } from '../console.js'
import { closeSinks, dispatchLog } from '../logs/dispatch.js'
import { RuntimeError, toInvokeError } from '../errors.js'
import { invalidNameReason } from '../names.js'
import { createServices, installProvider } from '../provider.js'
import { createBridgedCloud } from '../sandbox/bridged-cloud.js'
import type { SandboxBridge, SandboxCall, SandboxModule } from '../sandbox/protocol.js'
import { vmSandbox } from '../sandbox/vm/index.js'
import { callScope } from '../scope.js'
import { SourceMaps } from '../sourcemap.js'
import type { Executor, ExecutorEvent, ExecutorOptions, FunctionInfo, Interceptor, InvocationLog, InvokeInit, InvokeResult } from '../types.js'
import { CallAbort, InvocationContext, withTimeout, type StopControl } from './abort.js'
import { createHostBridge } from './bridge.js'
import { FunctionCache } from './cache.js'
import { describeFunctions } from './describe.js'
import { compose } from './interceptors.js'
import { InvocationFrame } from './frame.js'
import { Invocations } from './invocations.js'
import { plainContext, sandboxCall } from './plain.js'
import { holdProcessGuard } from './process-guard.js'
import { lambdaInput } from '../triggers/lambda/index.js'
import { lafCall } from '../laf/context.js'
import { registerSocketHub, SocketHub } from './sockets.js'

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_INVOKE_DEPTH = 16

/**
 * The one path every entry point takes: resolve the function (or `__default__`), run the entry point's check, the
 * interceptor chain (programmatic, then `__interceptor__`), then the function in the sandbox under a timeout.
 */
export function createExecutor(options: ExecutorOptions): Executor {
  if (!options?.store) throw new RuntimeError('BAD_REQUEST', 'createExecutor needs a store (memoryStore(), directoryStore(dir), …)')
  const store = options.store
  const sandbox = options.sandbox ?? vmSandbox()
  if (!sandbox.capabilities || typeof sandbox.abort !== 'function') {
    throw new RuntimeError('BAD_REQUEST', `sandbox ${String(sandbox.kind)} implements the wave-1 interface: it needs capabilities, abort() and load(unit, bridge) (see the runtime-core changelog)`)
  }
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const env = options.env ?? {}
  const interceptors: Interceptor[] = [...(options.interceptors ?? [])]
  const maps = new SourceMaps()
  const cache = new FunctionCache(store, sandbox, maps)
  const listeners = new Set<(event: ExecutorEvent) => void>()
  const tokens = createTokenHelpers(options.jwtSecret)
  const invocations = new Invocations()
  const services = createServices(options)
  const sockets = new SocketHub()
  const bridge = createHostBridge({
    invocations,
    services,
    appid: options.appid ?? 'default',
    env,
    maxInvokeDepth: options.maxInvokeDepth ?? DEFAULT_MAX_INVOKE_DEPTH,
    hostObjects: sandbox.capabilities.hostObjects,
    laf: options.laf === true,
    sockets,
    // Nested calls come from a running invocation (maybe __init__ itself): waiting for ready() there would deadlock.
    invoke: (name, init, depth) => run(name, init, depth, true),
  })
  // Host code that imports `cloud` outside any function gets the same SDK, resolved through this executor's bridge.
  const hostBridge: SandboxBridge = { call: (id, op, args) => (callScope.getStore()?.bridge ?? bridge).call(id, op, args) }
  const uninstall = installProvider(createBridgedCloud(() => callScope.getStore()?.invocationId ?? '', hostBridge, { hostObjects: true }))
  const profile = options.laf === true ? lafCall : (call: SandboxCall) => call
  const releaseGuard = options.guardProcess === false ? () => undefined : holdProcessGuard()
  let closed = false

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
      await services.prepare()
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

  const background = new Set<Promise<unknown>>()
  /** Host-side `ctx.waitUntil` work: bounded by the default timeout, its failure logged with the request id. */
  function trackBackground(work: Promise<unknown>, name: string, requestId: string): void {
    let timer: NodeJS.Timeout | undefined
    const bounded = Promise.race([
      Promise.resolve(work),
      new Promise((resolve) => {
        timer = setTimeout(resolve, defaultTimeoutMs)
        timer.unref()
      }),
    ])
      .catch((error) => console.error(`[${name}] (request ${requestId}) waitUntil work failed:`, error))
      .finally(() => {
        clearTimeout(timer)
        background.delete(bounded)
      })
    background.add(bounded)
  }

  /** Everything one invocation needs before it runs: its context, log collector, frame, ids and bridge. */
  function openCall(name: string, init: InvokeInit, depth: number) {
    const requestId = init.requestId ?? randomUUID()
    const trigger = init.trigger ?? { kind: 'invoke' as const, caller: null }
    const collector = createLogCollector({
      requestId,
      functionName: name,
      maxLines: options.logLimits?.maxLines,
      maxBytes: options.logLimits?.maxBytes,
      remapStack: maps.cleanStack,
      echo: options.logToStdout,
      ...(init.onLog ? { onRecord: init.onLog } : {}),
    })
    const abort = new CallAbort(init.signal)
    const ctx = new InvocationContext(requestId, name, init, trigger, env, abort)
    ctx.onWaitUntil = (work) => trackBackground(work, name, requestId)
    if (init.files) ctx.files = init.files
    if (init.request) ctx.request = init.request
    if (init.response) ctx.response = init.response
    const callIds: string[] = []
    const control: StopControl = {
      onStop: (reason) => {
        for (const id of callIds) sandbox.abort(id, { code: reason.code, message: reason.message })
      },
    }
    const frame = new InvocationFrame(requestId, name, depth, collector, maps.cleanStack, ctx, control, init.response, init.onProgress)
    const mainId = invocations.open({ frame })
    callIds.push(mainId)
    // Everything this call's sandbox work sends back, top-level code of a module it loads and callbacks that outlive it
    // included, comes through this bridge: ids the registry no longer holds mean this frame.
    return { requestId, trigger, collector, abort, ctx, callIds, control, frame, mainId, callBridge: bridge.forFrame(frame) }
  }

  async function run(name: string, init: InvokeInit, depth: number, starting = false): Promise<InvokeResult> {
    const started = performance.now()
    const call = openCall(name, init, depth)
    const { requestId, collector, abort, ctx, callIds, frame, mainId, callBridge } = call
    let cold = false
    const load = (target: string) => {
      const warm = cache.peekHandle(target)
      if (warm) return warm
      cold = true
      return cache.handle(target, callBridge).then((loaded) => loaded.handle)
    }

    let data: unknown
    let error: InvokeResult['error']
    let lambda: InvokeResult['lambda']
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
        // A Lambda-style __default__ sees the whole path as pathParameters.proxy.
        if (init.matchPrefix) init = { ...init, subpath: name }
      }
      if (record && init.check) init.check(record)
      const limits = { timeoutMs: record?.timeoutMs ?? defaultTimeoutMs, ...(record?.cpuTimeMs ? { cpuTimeMs: record.cpuTimeMs } : {}) }
      const hostObjects = sandbox.capabilities.hostObjects

      const final = (ctx: InvocationContext): Promise<unknown> => {
        const sandboxed = profile(sandboxCall(mainId, plainContext(ctx), init, hostObjects))
        const go = (module: SandboxModule): Promise<unknown> => {
          // A Lambda-style handler gets its event (built here, from the context as interceptors left it) and context.
          if (module.entry === 'handler') {
            const input = lambdaInput(ctx, init, target === '__default__' ? target : name, module.meta, limits.timeoutMs)
            sandboxed.ctx.lambda = input.lambda
            lambda = input.version
          }
          return sandbox.run(module, sandboxed, limits, callBridge)
        }
        if (init.debugSource) {
          cold = true
          return cache.transient(name, init.debugSource.source, init.debugSource.language, callBridge, restoreMaps).then(go)
        }
        const module = load(target)
        return module instanceof Promise ? module.then(go) : go(module)
      }
      const links: Interceptor[] = interceptors.length ? [...interceptors] : []
      let interceptorRecord = target === '__interceptor__' ? undefined : cache.recordFast('__interceptor__')
      if (interceptorRecord instanceof Promise) interceptorRecord = await interceptorRecord
      if (interceptorRecord) links.push(interceptorLink(call, init, limits, () => load('__interceptor__')))
      const chain = links.length ? compose(links as never, final) : final
      data = await withTimeout(chain(ctx), limits.timeoutMs, abort, name, call.control)
    } catch (thrown) {
      error = toInvokeError(thrown, maps.cleanStack)
    } finally {
      frame.retire()
      abort.dispose()
      for (const id of callIds) invocations.close(id)
      for (const restore of restoreMaps) restore()
    }
    const durationMs = performance.now() - started
    collector.close()
    const logs = collector.records
    if (options.logSink) {
      const status = error ? 'error' : 'ok'
      writeLog(options, { functionName: name, requestId, trigger: call.trigger, cold, startedAt: new Date(performance.timeOrigin + started), durationMs, status, ...(error ? { error } : {}), logs, ...traceparentOf(init), ...statsOf(frame) })
    }
    if (error) return { error, durationMs, logs, cold, requestId }
    return lambda ? { data, durationMs, logs, cold, requestId, lambda } : { data, durationMs, logs, cold, requestId }
  }

  /** HTTP routing: the exact name, else the longest function name that prefixes the path (`items` for `items/42`). */
  async function routed(name: string, init: InvokeInit): Promise<InvokeResult> {
    if (!init.matchPrefix || !name.includes('/') || init.debugSource) return run(name, init, 0)
    const exists = async (candidate: string) => !invalidNameReason(candidate) && Boolean(await cache.recordFast(candidate))
    try {
      if (!(await exists(name))) {
        const parts = name.split('/')
        for (let cut = parts.length - 1; cut > 0; cut--) {
          const prefix = parts.slice(0, cut).join('/')
          if (await exists(prefix)) return run(prefix, { ...init, subpath: parts.slice(cut).join('/') }, 0)
        }
      }
    } catch {
      // A store that fails here fails the same way in run(), which reports it.
    }
    return run(name, init, 0)
  }

  /** The `__interceptor__` function as one more link: its `next` (a bridge op) runs the rest with what it changed. */
  function interceptorLink(call: ReturnType<typeof openCall>, init: InvokeInit, limits: { timeoutMs: number }, load: () => SandboxModule | Promise<SandboxModule>): Interceptor {
    return async (ctx, next) => {
      const module = await load()
      let passed = false
      const id = invocations.open({ frame: call.frame, next: (patch) => ((passed = true), applyPatch(ctx as unknown as InvocationContext, patch), next()) })
      call.callIds.push(id)
      const sandboxed = { ...profile(sandboxCall(id, plainContext(ctx as unknown as InvocationContext), init, sandbox.capabilities.hostObjects)), interceptor: true }
      const result = await sandbox.run(module, sandboxed, limits, call.callBridge)
      return options.laf === true && !passed ? lafLegacyInterceptor(result, next) : result
    }
  }

  const executor: Executor = {
    store,
    sandbox,
    invoke: (name, init) => (init?.matchPrefix ? routed(name, init) : run(name, init ?? {}, 0)) as Promise<InvokeResult<any>>,
    describe: (name?: string): Promise<FunctionInfo[]> => describeFunctions(store, cache, bridge, name),
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
      // WebSocket connections first: their events would only meet a closed executor from here on.
      await sockets.close()
      // Work host interceptors handed on with ctx.waitUntil; the sandbox's own waits in dispose().
      await Promise.allSettled([...background])
      unwatch()
      listeners.clear()
      uninstall()
      releaseGuard()
      cache.clear()
      await sandbox.dispose()
      await services.close()
      await closeSinks(options.logSink, options.onSinkError)
    },
  }
  registerSocketHub(executor, sockets)
  return executor
}

/**
 * LAF's legacy `__interceptor__(ctx)` never calls `next`: it returns `true` to let the call through and `false` to refuse
 * it (403). Under the profile those two answers keep that meaning; any other value is the response, as without it.
 */
function lafLegacyInterceptor(result: unknown, next: () => Promise<unknown>): unknown {
  if (result === true) return next()
  if (result === false) throw new RuntimeError('FORBIDDEN', 'Forbidden')
  return result
}

/** What an `__interceptor__` changed before `next()` reaches the rest of the chain. */
function applyPatch(ctx: InvocationContext, patch: unknown): void {
  if (typeof patch !== 'object' || patch === null) return
  const { body, query, headers, user } = patch as Partial<InvocationContext>
  ctx.body = body
  if (query && typeof query === 'object') ctx.query = query
  if (headers && typeof headers === 'object') ctx.headers = headers
  if (user !== undefined) ctx.user = user
}

// One sink or several; a failing sink never fails the invocation (its error goes to onSinkError).
/** What the sandbox reported about the call: which isolate served it, and its heap. */
function statsOf(frame: InvocationFrame): Pick<InvocationLog, 'isolate' | 'memory'> {
  const stats = frame.stats
  if (!stats) return {}
  return {
    ...(stats.isolate ? { isolate: stats.isolate } : {}),
    ...(typeof stats.usedBytes === 'number' ? { memory: { usedBytes: stats.usedBytes, ...(typeof stats.limitBytes === 'number' ? { limitBytes: stats.limitBytes } : {}) } } : {}),
  }
}

function writeLog(options: ExecutorOptions, record: InvocationLog): void {
  dispatchLog(options.logSink, record, options.onSinkError)
}

function traceparentOf(init: InvokeInit): { traceparent?: string } {
  const value = init.headers?.traceparent
  return typeof value === 'string' ? { traceparent: value } : {}
}
