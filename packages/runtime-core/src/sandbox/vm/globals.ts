import { awslambda } from '@scraping-run/cloud'
import { callScope as scope } from '../../scope.js'
import type { LogLevel } from '../../types.js'

// Web and Node globals a function may expect. `process` is deliberately not among them: functions get a small facade.
const SHARED_GLOBALS = [
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask',
  'structuredClone', 'Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal',
  'Event', 'EventTarget', 'fetch', 'Headers', 'Request', 'Response', 'FormData', 'Blob', 'File', 'atob', 'btoa', 'crypto',
  'performance', 'ReadableStream', 'WritableStream', 'TransformStream', 'MessageChannel', 'BroadcastChannel', 'DOMException',
] as const

/** The global object of a vm sandbox's context. */
export function createSandboxGlobals(): Record<string, unknown> {
  const globals: Record<string, unknown> = {}
  for (const name of SHARED_GLOBALS) {
    const value = (globalThis as Record<string, unknown>)[name]
    if (value !== undefined) globals[name] = value
  }
  // As on Lambda's Node runtime, a global in the function's scope (also importable from '@scraping-run/cloud').
  globals.awslambda = awslambda
  // A throw inside a timer callback would be an uncaught exception and take the host down: report it as the
  // invocation's console.error instead (the callback still runs in the invocation's async context).
  const guard =
    (callback: unknown) =>
    (...args: unknown[]) => {
      try {
        return (callback as (...args: unknown[]) => unknown)(...args)
      } catch (error) {
        reportLate(error)
      }
    }
  const wrapTimer =
    <T extends (...args: any[]) => any>(timer: T) =>
    (callback: unknown, ...rest: unknown[]) =>
      typeof callback === 'function' ? timer(guard(callback), ...rest) : timer(callback, ...rest)
  globals.setTimeout = wrapTimer(setTimeout)
  globals.setInterval = wrapTimer(setInterval)
  globals.setImmediate = wrapTimer(setImmediate)
  globals.queueMicrotask = (callback: () => void) => queueMicrotask(guard(callback) as () => void)
  const emit = (level: LogLevel, args: unknown[]) => {
    const current = scope.getStore()
    if (current) current.bridge.call(current.invocationId, 'log', [level, ...args])
    // Outside any call (a timer that outlived every invocation): keep it visible on the host.
    else console[level === 'log' ? 'log' : level](...args)
  }
  const counters = new Map<string, number>()
  const timers = new Map<string, number>()
  globals.console = Object.freeze({
    log: (...args: unknown[]) => emit('log', args),
    info: (...args: unknown[]) => emit('info', args),
    warn: (...args: unknown[]) => emit('warn', args),
    error: (...args: unknown[]) => emit('error', args),
    debug: (...args: unknown[]) => emit('debug', args),
    trace: (...args: unknown[]) => emit('debug', [...args, new Error('Trace').stack?.split('\n').slice(1).join('\n')]),
    dir: (value: unknown) => emit('log', [value]),
    table: (value: unknown) => emit('log', [value]),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) emit('error', ['Assertion failed', ...args])
    },
    count: (label = 'default') => {
      const next = (counters.get(label) ?? 0) + 1
      counters.set(label, next)
      emit('log', [`${label}: ${next}`])
    },
    time: (label = 'default') => void timers.set(label, performance.now()),
    timeEnd: (label = 'default') => {
      const start = timers.get(label)
      timers.delete(label)
      if (start !== undefined) emit('log', [`${label}: ${(performance.now() - start).toFixed(3)}ms`])
    },
  })
  // A facade, not the host process: env is the executor's env for the current call.
  globals.process = Object.freeze({
    get env() {
      const current = scope.getStore()
      return current ? (current.bridge.call(current.invocationId, 'env', []) as { env: Record<string, string | undefined> }).env : {}
    },
    nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => process.nextTick(guard(fn), ...args),
    hrtime: Object.assign((time?: [number, number]) => process.hrtime(time), { bigint: () => process.hrtime.bigint() }),
    uptime: () => process.uptime(),
    version: process.version,
    versions: { ...process.versions },
    platform: process.platform,
    arch: process.arch,
  })
  globals.global = undefined
  return globals
}

/**
 * An error thrown in one of a function's callbacks: it fails the invocation while that still runs, and is logged under
 * the function's name after it ended (the host decides which, by invocation id).
 */
export function reportLate(error: unknown): void {
  const current = scope.getStore()
  if (current) current.bridge.call(current.invocationId, 'uncaught', [error])
  else console.error('[scraping-run] uncaught error in a function callback:', error)
}

/** A promise of a function's that was rejected and never handled: logged under the function, it fails nothing. */
export function reportRejection(reason: unknown): void {
  const current = scope.getStore()
  if (current) current.bridge.call(current.invocationId, 'log', ['error', 'Unhandled promise rejection:', reason])
  else console.error('[scraping-run] unhandled promise rejection in a function:', reason)
}
