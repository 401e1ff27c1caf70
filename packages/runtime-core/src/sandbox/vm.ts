import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import vm from 'node:vm'
import * as cloudModule from '@scraping-run/cloud'
import type { FunctionContext } from '@scraping-run/cloud'
import { RuntimeError } from '../errors.js'
import type { LoadUnit, Sandbox, SandboxCallOptions, SandboxHandle } from '../types.js'
import { callScope } from '../scope.js'
import { createSandboxGlobals, reportLate } from './globals.js'

export interface VmSandboxOptions {
  /** The folder whose `node_modules` (and its parents') npm imports resolve from. Default: `process.cwd()`. */
  modulesRoot?: string
  /**
   * Opt-in: interrupt the synchronous part of a call (and of loading a module) after this many ms, so `while (true) {}`
   * fails with `TIMEOUT` instead of freezing the host. Costs tens of µs per call (V8 arms a watchdog thread). Code that
   * runs after the function's first `await` is not covered; the executor's `timeoutMs` still ends the call for the caller.
   */
  syncTimeoutMs?: number
}

interface ModuleInstance {
  exports: unknown
  loading: boolean
}

interface VmHandle extends SandboxHandle {
  entry: (...args: unknown[]) => unknown
}

// What `import cloud from '@scraping-run/cloud'` gives a function: the host's copy, so it reaches the executor's provider.
const CLOUD_EXPORTS = Object.freeze({ ...cloudModule, default: cloudModule.cloud, __esModule: true })
const CLOUD_SPECIFIERS = new Set(['@scraping-run/cloud', '@lafjs/cloud'])
const WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname']

// A promise a function rejects and never handles would, by Node's default, crash the host. Rejections of promises
// made in a sandbox realm are reported instead; others keep Node's default behaviour when nobody else listens.
const realms = new Set<unknown>()
function onUnhandledRejection(reason: unknown, promise: Promise<unknown>): void {
  if (realms.has(promise?.constructor)) return reportLate(reason)
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

/** Routes console output of `work` to the call's bridge; the executor usually has set exactly that already. */
function withScope<T>(options: Pick<SandboxCallOptions, 'console' | 'env'>, work: () => T): T {
  const current = callScope.getStore()
  if (current && current.console === options.console && current.env === options.env) return work()
  return callScope.run({ ...current, console: options.console, env: options.env }, work)
}

/**
 * Runs functions with node:vm in one shared context. Fast, and functions get the full Node API through `require`.
 * NOT a security boundary: code can reach the host (e.g. through constructors of host objects). Run only trusted code.
 */
export function vmSandbox(options: VmSandboxOptions = {}): Sandbox {
  const context = vm.createContext(createSandboxGlobals(), { name: 'scraping-run functions' })
  vm.runInContext('globalThis.global = globalThis', context)
  const unguard = guardRealm(vm.runInContext('Promise', context))
  const hostRequire = createRequire(join(resolve(options.modulesRoot ?? process.cwd()), '__scraping_run_functions__.js'))
  const registry = new Map<string, ModuleInstance>()
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
      const require = (specifier: string) => {
        if (CLOUD_SPECIFIERS.has(specifier)) return CLOUD_EXPORTS
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
      wrapper.call(module.exports, module.exports, require, module, compiled.filename, '/')
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
    load(unit, callOptions) {
      if (disposed) throw new RuntimeError('EXECUTOR_CLOSED', 'the sandbox was disposed')
      const exports = withScope(callOptions, () => guarded(unit.compiled.name, () => instantiate(unit, []))) as any
      const name = unit.compiled.name
      const entry =
        typeof exports === 'function'
          ? exports
          : typeof exports?.default === 'function'
            ? exports.default
            : typeof exports?.main === 'function'
              ? exports.main
              : undefined
      if (!entry) {
        if (typeof exports?.handler === 'function') {
          throw new RuntimeError('UNSUPPORTED_HANDLER', `${name} exports a Lambda-style handler(event, context); those are not supported yet — export default async function (ctx) instead`)
        }
        throw new RuntimeError('NO_ENTRY_POINT', `${name} has no entry point: export a default function or a function named main`)
      }
      const handle: VmHandle = { name, hash: unit.compiled.hash, entry }
      return handle
    },
    async run(handle: SandboxHandle, ctx: FunctionContext, callOptions: SandboxCallOptions) {
      const { entry } = handle as VmHandle
      const args = callOptions.args
      return withScope(callOptions, () => guarded(handle.name, () => (args ? entry(ctx, ...args) : entry(ctx))))
    },
    unload(names) {
      const wanted = new Set(names)
      for (const key of [...registry.keys()]) if (wanted.has(key.slice(0, key.lastIndexOf('@')))) registry.delete(key)
    },
    dispose() {
      disposed = true
      registry.clear()
      unguard()
    },
  }
}
