import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import vm from 'node:vm'
import * as cloudModule from '@scraping-run/cloud'
import { RuntimeError } from '../../errors.js'
import { callScope } from '../../scope.js'
import type { LoadUnit } from '../../types.js'
import { createBridgedCloud } from '../bridged-cloud.js'
import { copyMeta, selectEntry } from '../entry.js'
import type { Sandbox, SandboxBridge, SandboxModule } from '../protocol.js'
import { BackgroundWork } from '../background.js'
import { createStreamKit, type KitResponse } from '../stream-kit.js'
import { toNodeWritable } from './writable.js'
import { CallSignals, VmContext } from './context.js'
import { createSandboxGlobals, reportRejection } from './globals.js'

export interface VmSandboxOptions {
  /** The folder whose `node_modules` (and its parents') npm imports resolve from. Default: `process.cwd()`. */
  modulesRoot?: string
  /**
   * Opt-in: interrupt the synchronous part of a call (and of loading a module) after this many ms, so `while (true) {}`
   * fails with `TIMEOUT` instead of freezing the host. Costs tens of µs per call (V8 arms a watchdog thread). Code that
   * runs after the function's first `await` is not covered; the executor's `timeoutMs` still ends the call for the caller.
   */
  syncTimeoutMs?: number
  /**
   * Default true: functions get the raw `ctx.request`, `ctx.response` and the native `cloud.mongo`. With false they get
   * what an isolate gives — the bridged response facade and no raw request — which is how to try code for isolation.
   */
  hostObjects?: boolean
}

interface ModuleInstance {
  exports: unknown
  loading: boolean
}

const kit = createStreamKit(cloudModule.sseEvent as (event: unknown) => string, toNodeWritable)
const CLOUD_SPECIFIERS = new Set(['@scraping-run/cloud', '@lafjs/cloud'])
const WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname']

// A promise a function rejects and never handles would, by Node's default, crash the host. Rejections of promises
// made in a sandbox realm are reported instead; others keep Node's default behaviour when nobody else listens.
const realms = new Set<unknown>()
function onUnhandledRejection(reason: unknown, promise: Promise<unknown>): void {
  if (realms.has(promise?.constructor)) return reportRejection(reason)
  if (process.listenerCount('unhandledRejection') === 1) {
    process.nextTick(() => {
      throw reason
    })
  }
}
function guardRealm(promiseConstructor: unknown): () => void {
  if (realms.size === 0) process.on('unhandledRejection', onUnhandledRejection)
  realms.add(promiseConstructor)
  return () => {
    realms.delete(promiseConstructor)
    if (realms.size === 0) process.off('unhandledRejection', onUnhandledRejection)
  }
}

// The bridge of the call running now; module top-level code runs under the loader's.
const currentBridge: SandboxBridge = {
  call(id, op, args) {
    const scope = callScope.getStore()
    if (!scope) throw new RuntimeError('BAD_REQUEST', `cloud.${op} was used outside any invocation of this sandbox`)
    return scope.bridge.call(id, op, args)
  },
}

/**
 * Runs functions with node:vm in one shared context. Fast, and functions get the full Node API through `require`.
 * NOT a security boundary: code can reach the host (e.g. through constructors of host objects). Run only trusted code.
 */
export function vmSandbox(options: VmSandboxOptions = {}): Sandbox {
  const hostObjects = options.hostObjects !== false
  const context = vm.createContext(createSandboxGlobals(), { name: 'scraping-run functions' })
  vm.runInContext('globalThis.global = globalThis', context)
  const unguard = guardRealm(vm.runInContext('Promise', context))
  const hostRequire = createRequire(join(resolve(options.modulesRoot ?? process.cwd()), '__scraping_run_functions__.js'))
  const cloud = createBridgedCloud(() => callScope.getStore()?.invocationId ?? '', currentBridge, { hostObjects })
  // What `import cloud from '@scraping-run/cloud'` gives a function: the host's builders and types, this sandbox's SDK.
  const cloudExports = Object.freeze({ ...cloudModule, default: cloud, cloud, __esModule: true })
  const registry = new Map<string, ModuleInstance>()
  const entries = new Map<string, ReturnType<typeof selectEntry>>()
  let byModule = new WeakMap<SandboxModule, ReturnType<typeof selectEntry>>()
  const signals = new CallSignals()
  const background = new BackgroundWork()
  let disposed = false
  const syncTimeoutMs = options.syncTimeoutMs
  const trampoline = syncTimeoutMs ? new vm.Script('__scrapingRunCall()', { filename: 'scraping-run:call' }) : undefined
  let guarding = false

  /** Runs `work` under the synchronous watchdog when one is configured (not nested: the outer one covers inner work). */
  function guarded<T>(name: string, work: () => T): T {
    if (!trampoline || guarding) return work()
    let result: T | undefined
    ;(context as Record<string, unknown>).__scrapingRunCall = () => {
      result = work()
    }
    guarding = true
    try {
      trampoline.runInContext(context, { timeout: syncTimeoutMs })
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new RuntimeError('TIMEOUT', `${name} ran synchronously for more than ${syncTimeoutMs} ms (syncTimeoutMs)`, { cause: error })
      }
      throw error
    } finally {
      guarding = false
      delete (context as Record<string, unknown>).__scrapingRunCall
    }
    return result as T
  }

  function requireFor(unit: LoadUnit, chain: string[]): (specifier: string) => unknown {
    const { compiled } = unit
    return (specifier) => {
      if (CLOUD_SPECIFIERS.has(specifier)) return cloudExports
      const dependency = unit.imports[specifier]
      if (dependency) return instantiate(dependency, [...chain, compiled.name])
      if (specifier.startsWith('@/') || specifier.startsWith('./') || specifier.startsWith('../')) {
        throw new RuntimeError('MODULE_NOT_FOUND', `${compiled.name} imports ${specifier}, which is not a known function (imports must be static strings)`)
      }
      try {
        return hostRequire(specifier)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
          throw new RuntimeError('MODULE_NOT_FOUND', `${compiled.name} imports "${specifier}", which is not installed`, { cause: error })
        }
        throw error
      }
    }
  }

  function instantiate(unit: LoadUnit, chain: string[]): unknown {
    const { compiled } = unit
    const key = `${compiled.name}@${compiled.hash}`
    const existing = registry.get(key)
    if (existing) {
      if (existing.loading) {
        throw new RuntimeError('CIRCULAR_IMPORT', `circular import between functions: ${[...chain, compiled.name].join(' → ')}`)
      }
      return existing.exports
    }
    const module = { exports: {} as unknown }
    const instance: ModuleInstance = { exports: module.exports, loading: true }
    registry.set(key, instance)
    try {
      const wrapper = vm.compileFunction(compiled.code, WRAPPER_PARAMS, { filename: compiled.filename, parsingContext: context })
      wrapper.call(module.exports, module.exports, requireFor(unit, chain), module, compiled.filename, '/')
      instance.exports = module.exports
      return module.exports
    } catch (error) {
      registry.delete(key)
      throw error
    } finally {
      instance.loading = false
    }
  }

  return {
    kind: 'vm',
    capabilities: { hostObjects },
    load(unit, bridge): SandboxModule {
      if (disposed) throw new RuntimeError('EXECUTOR_CLOSED', 'the sandbox was disposed')
      const { name, hash } = unit.compiled
      const scope = { invocationId: `load:${name}`, bridge }
      const exports = callScope.run(scope, () => guarded(name, () => instantiate(unit, [])))
      const entry = selectEntry(name, exports)
      entries.set(`${name}@${hash}`, entry)
      const meta = copyMeta(exports)
      const module: SandboxModule = meta === undefined ? { name, hash, entry: entry.kind } : { name, hash, entry: entry.kind, meta }
      byModule.set(module, entry)
      return module
    },
    async run(module, call, limits, bridge) {
      // The module object load() returned is the usual key (no string to build per call); a copy finds it by name@hash.
      const entry = byModule.get(module) ?? entries.get(`${module.name}@${module.hash}`)
      if (!entry) throw new RuntimeError('FUNCTION_NOT_FOUND', `${module.name} is not loaded in this sandbox (it was unloaded)`)
      const id = call.invocationId
      const ctx = new VmContext(call, signals, bridge, !hostObjects, (id, work) => background.track(id, work, limits.timeoutMs, bridge))
      const fn = entry.fn
      const scope = { invocationId: id, bridge }
      const response = ctx.response as KitResponse | undefined
      const signal = () => ctx.signal
      signals.open(id)
      try {
        if (entry.kind === 'handler') {
          const lambda = call.ctx.lambda ?? { event: call.ctx.body ?? {}, context: {}, deadline: Date.now() + limits.timeoutMs }
          return await callScope.run(scope, () => guarded(module.name, () => kit.callLambda(fn, lambda, response, signal)))
        }
        // `stream.pipe(ctx.response)` (LAF's way to stream a file) writes after the function returned: wait for it too.
        let piped = false
        const onPipe = () => (piped = true)
        call.host?.response?.once('pipe', onPipe)
        try {
          const value = await callScope.run(scope, () =>
            guarded(module.name, () => (call.interceptor ? fn(ctx, () => Promise.resolve(bridge.call(id, 'next', [ctx.patch()]))) : fn(ctx))),
          )
          // Only a stream, or a response still being written, needs more: plain results leave at once.
          return kit.pending(value, response, piped) ? await callScope.run(scope, () => kit.settle(value, response, signal, piped)) : value
        } finally {
          call.host?.response?.off('pipe', onPipe)
        }
      } finally {
        signals.close(id)
      }
    },
    abort(invocationId, reason) {
      signals.abort(invocationId, reason)
    },
    unload(names) {
      const wanted = new Set(names)
      for (const map of [registry, entries] as Map<string, unknown>[]) {
        for (const key of [...map.keys()]) if (wanted.has(key.slice(0, key.lastIndexOf('@')))) map.delete(key)
      }
      byModule = new WeakMap()
    },
    async dispose() {
      disposed = true
      await background.settled()
      registry.clear()
      entries.clear()
      byModule = new WeakMap()
      unguard()
    },
  }
}
