import { randomBytes } from 'node:crypto'
import type * as IVM from 'isolated-vm'
import { CloudError } from '@scraping-run/cloud'
import { RUNTIME_ERROR_CODES, RuntimeError, type RuntimeErrorCode } from '../../errors.js'
import { importPeer } from '../../peer.js'
import type { LoadUnit } from '../../types.js'
import type { Sandbox, SandboxBridge, SandboxCall, SandboxModule } from '../protocol.js'
import { createIsolateFetch, type IsolateFetchOptions } from './fetch.js'
import { createModuleBundler } from './modules.js'
import { FunctionPool } from './pool.js'
import { IsolateWorker, type Packed } from './worker.js'

export interface IsolateSandboxOptions {
  /** Heap limit of each isolate. Default 128 MB; past it the call fails with MEMORY_LIMIT and the isolate is replaced. */
  memoryLimitMb?: number
  /**
   * CPU time one call may use (its `ctx.waitUntil` work included), as opposed to `timeoutMs`, which counts waiting too.
   * Past it the call fails with CPU_LIMIT and the isolate is replaced. Default: none (only the wall-clock timeout).
   */
  cpuTimeMs?: number
  /** How long a module's top-level code may run when it loads. Default 1000 ms. */
  loadTimeoutMs?: number
  /** Isolates kept booted and waiting for a function to load, so a cold call skips isolate start-up. Default 2. */
  warmIsolates?: number
  /** Isolates one function may use at once (each runs one call at a time). Default 4. */
  maxIsolatesPerFunction?: number
  /** Calls that may wait for a busy function; past it, calls fail fast with OVERLOADED. Default 64. */
  maxQueue?: number
  /** An isolate is replaced after this many calls. Default 1000. */
  recycleAfter?: number
  /** npm packages functions may import, each bundled once for the isolate with esbuild (no Node built-ins). Default none. */
  modules?: string[]
  /** Where those packages resolve from (its `node_modules` and its parents'). Default: `process.cwd()`. */
  modulesRoot?: string
  /** `fetch` inside functions runs on the host; loopback, link-local and private addresses are refused unless listed here. */
  fetch?: IsolateFetchOptions
}

type Ivm = typeof IVM

// Every runaway is stopped within timeoutMs + this.
const TIMEOUT_GRACE_MS = 100
// CPU an isolate may use after a TIMEOUT without taking the abort before it counts as a runaway; and how long an idle one
// may wait for its thread to take the abort at all.
const RUNAWAY_CPU_NS = 20_000_000n
const ABORT_DELIVERY_CAP_MS = 2000
const EARLY_ABORT_TTL_MS = 60_000
const REFILL_DELAY_MS = 30
const HEAP_EVERY = 32

/** The isolated-vm major each Node line needs (5 builds on 20 only; 6 needs 22; 7 needs 24). */
export function isolatedVmMajorFor(nodeMajor: number): number {
  return nodeMajor >= 24 ? 7 : nodeMajor >= 22 ? 6 : 5
}

/** Fails on first use, naming the fix, when isolated-vm cannot work in this process. */
async function loadIvm(): Promise<Ivm> {
  const major = Number(process.versions.node.split('.')[0])
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  // isolated-vm documents the flag for every Node line from 20 on: isolates built from Node's startup snapshot can crash
  // the process. It has not crashed here on Node 24 without it, but a crash of the host is the one thing we never risk.
  if (major >= 20 && !flags.includes('--no-node-snapshot')) {
    throw new RuntimeError(
      'ISOLATE_UNAVAILABLE',
      `isolateSandbox() on Node ${major} needs the --no-node-snapshot flag: run node --no-node-snapshot …, or set NODE_OPTIONS=--no-node-snapshot`,
    )
  }
  try {
    const loaded = await importPeer<Ivm & { default?: Ivm }>('isolated-vm', 'isolateSandbox()')
    return (loaded.default ?? loaded) as Ivm
  } catch (error) {
    if (error instanceof RuntimeError) {
      throw new RuntimeError('MISSING_PEER', `${error.message}@${isolatedVmMajorFor(major)} (the major Node ${major} needs)`, {
        cause: error.cause,
      })
    }
    // A binary built for another Node line (NODE_MODULE_VERSION), or an isolated-vm major that does not build on this one.
    const wanted = isolatedVmMajorFor(major)
    throw new RuntimeError(
      'ISOLATE_UNAVAILABLE',
      `isolated-vm does not load on Node ${process.versions.node} (${(error as Error).message.split('\n')[0]}): ` +
        `install isolated-vm@${wanted}, the major Node ${major} needs, and rebuild it (npm rebuild isolated-vm)`,
      { cause: error },
    )
  }
}

/**
 * Why `isolateSandbox()` cannot run in this process (the `--no-node-snapshot` flag, a missing isolated-vm or one built for
 * another Node line), or null when it can.
 * For a host that picks its sandbox at start-up.
 */
export async function isolateUnavailableReason(): Promise<string | null> {
  try {
    await loadIvm()
    return null
  } catch (error) {
    return (error as Error).message
  }
}

/**
 * Runs functions in isolated-vm isolates: the security boundary. Only plain data crosses; a function reaches the host only
 * through the bridge. Each isolate holds one function's module and runs one call at a time; memory, wall-clock and load
 * limits end a runaway call and replace its isolate.
 */
export function isolateSandbox(options: IsolateSandboxOptions = {}): Sandbox {
  const memoryLimitMb = options.memoryLimitMb ?? 128
  const loadTimeoutMs = options.loadTimeoutMs ?? 1000
  const shared = new Map<string, unknown>()
  const hostFetch = createIsolateFetch(options.fetch)
  const bundle = createModuleBundler(options.modules ?? [], options.modulesRoot ?? process.cwd())
  // Bridges by invocation id while a call runs; an id it no longer knows (a load) goes to the one that loaded.
  const bridges = new Map<string, SandboxBridge>()
  const pools = new Map<string, FunctionPool>()
  const spares: Array<Promise<IsolateWorker>> = []
  const running = new Map<string, IsolateWorker>()
  const earlyAborts = new Map<string, { code: string; message: string }>()
  function abortRunning(invocationId: string, reason: { code: string; message: string }): void {
    const worker = running.get(invocationId)
    if (!worker) return
    const delivered = worker.abort(invocationId, reason)
    if (reason.code === 'TIMEOUT') disposeAfterGrace(worker, delivered, () => running.get(invocationId) === worker)
  }
  // Calls whose ctx.waitUntil work still runs: their isolates stay theirs until it settles; dispose() waits for them.
  const drains = new Set<Promise<void>>()

  function drainThenRelease(worker: IsolateWorker, id: string, deadline: number, bridge: SandboxBridge, release: () => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const outOfTime = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))
      timer.unref()
    })
    const done: Promise<void> = Promise.race([worker.drain(id).catch(() => undefined), outOfTime])
      .then((outcome) => {
        if (outcome !== 'timeout') return
        // Still bounded by the function's timeout: the isolate goes with the work it was doing.
        worker.dispose('timeout')
        try {
          bridge.call(id, 'log', ['warn', "waitUntil work did not finish within the function's timeout; its isolate was disposed"])
        } catch {
          // Nothing left to tell.
        }
      })
      .finally(() => {
        clearTimeout(timer)
        drains.delete(done)
        release()
      })
    return done
  }
  let ivm: Promise<Ivm> | undefined
  let disposed = false

  function hostCall(fallback: () => SandboxBridge | undefined): (id: string, op: string, args: unknown[]) => unknown {
    return (id, op, args) => {
      if (op === 'sleep') return new Promise((resolve) => setTimeout(resolve, Math.min(Number(args[0]) || 0, 2 ** 31 - 1)).unref?.())
      if (op === 'random') return new Uint8Array(randomBytes(Math.min(Math.max(0, Number(args[0]) || 0), 65536)))
      if (op === 'shared') return sharedOp(shared, args)
      if (op === 'fetch') return hostFetch(args[0] as never)
      const bridge = bridges.get(id) ?? fallback()
      if (!bridge) throw new RuntimeError('BAD_REQUEST', `no invocation ${JSON.stringify(id)}`)
      return bridge.call(id, op as never, args)
    }
  }

  async function newWorker(): Promise<IsolateWorker> {
    return IsolateWorker.create(await (ivm ??= loadIvm()), memoryLimitMb, (worker) => hostCall(() => worker.loader))
  }

  // Booted isolates waiting for a function.
  function refill(): void {
    while (!disposed && spares.length < (options.warmIsolates ?? 2)) {
      const next = newWorker()
      next.catch(() => undefined)
      spares.push(next)
    }
  }

  function takeWorker(): Promise<IsolateWorker> {
    return spares.shift() ?? newWorker()
  }

  function poolFor(unit: LoadUnit, bridge: SandboxBridge): FunctionPool {
    const key = `${unit.compiled.name}@${unit.compiled.hash}`
    let pool = pools.get(key)
    if (!pool) {
      pool = new FunctionPool(key, {
        maxWorkers: options.maxIsolatesPerFunction ?? 4,
        maxQueue: options.maxQueue ?? 64,
        recycleAfter: options.recycleAfter ?? 1000,
        start: async () => {
          const worker = await takeWorker()
          worker.loader = bridge
          try {
            await worker.load(unit, loadTimeoutMs, bundle)
          } catch (error) {
            worker.dispose('closed')
            throw loadError(error, unit.compiled.name, loadTimeoutMs)
          } finally {
            // Shortly after, so booting the next spare does not compete with this function's first call.
            setTimeout(refill, REFILL_DELAY_MS).unref()
          }
          return worker
        },
      })
      pools.set(key, pool)
    }
    return pool
  }

  return {
    kind: 'isolate',
    capabilities: { hostObjects: false },
    async load(unit, bridge): Promise<SandboxModule> {
      if (disposed) throw new RuntimeError('EXECUTOR_CLOSED', 'the sandbox was disposed')
      const pool = poolFor(unit, bridge)
      const { entry, meta } = await pool.prepare()
      const module: SandboxModule = { name: unit.compiled.name, hash: unit.compiled.hash, entry: entry as SandboxModule['entry'] }
      if (meta !== undefined) module.meta = JSON.parse(meta)
      return module
    },
    async run(module, call: SandboxCall, limits, bridge) {
      const pool = pools.get(`${module.name}@${module.hash}`)
      if (!pool) throw new RuntimeError('FUNCTION_NOT_FOUND', `${module.name} is not loaded in this sandbox (it was unloaded)`)
      const worker = await pool.acquire()
      const id = call.invocationId
      const deadline = Date.now() + limits.timeoutMs
      bridges.set(id, bridge)
      running.set(id, worker)
      let waiting = false
      const stopCpuWatch = watchCpu(worker, limits.cpuTimeMs ?? options.cpuTimeMs)
      // Aborted while it waited for its isolate (a cold load, a busy pool): the call starts and sees the abort at once.
      const early = earlyAborts.get(id)
      if (early) {
        earlyAborts.delete(id)
        setImmediate(() => abortRunning(id, early))
      }
      const release = () => {
        stopCpuWatch()
        report(bridge, id, worker)
        bridges.delete(id)
        running.delete(id)
        pool.release(worker)
      }
      try {
        const packed = await worker.run(id, pool.key, call.ctx, { interceptor: Boolean(call.interceptor), response: Boolean(call.response) })
        waiting = Boolean((packed as { waiting?: boolean }).waiting)
        if (waiting) drains.add(drainThenRelease(worker, id, deadline, bridge, release))
        return unpack(packed)
      } catch (error) {
        throw runError(error, worker, module.name)
      } finally {
        if (!waiting) release()
      }
    },
    abort(invocationId, reason) {
      if (running.has(invocationId)) return abortRunning(invocationId, reason)
      // Not running yet: kept until it starts (or forgotten after a while if it never does).
      earlyAborts.set(invocationId, reason)
      setTimeout(() => earlyAborts.delete(invocationId), EARLY_ABORT_TTL_MS).unref()
    },
    unload(names) {
      const wanted = new Set(names)
      for (const [key, pool] of pools) {
        if (wanted.has(key.slice(0, key.lastIndexOf('@')))) {
          pool.close()
          pools.delete(key)
        }
      }
    },
    async dispose() {
      disposed = true
      while (drains.size) await Promise.allSettled([...drains])
      for (const pool of pools.values()) pool.close()
      pools.clear()
      for (const spare of spares.splice(0)) void spare.then((worker) => worker.dispose('closed'), () => undefined)
    },
  }
}

/**
 * Only disposing the isolate stops code that never yields (a loop after an await, a looping then). After a timeout the
 * function gets TIMEOUT_GRACE_MS to see ctx.signal, counted from when the abort reached it; an isolate that burns CPU
 * instead of taking the abort is a runaway and goes after the grace itself. An idle one whose thread is merely slow to
 * be scheduled (a loaded machine) gets up to ABORT_DELIVERY_CAP_MS.
 */
function disposeAfterGrace(worker: IsolateWorker, delivered: Promise<void>, running: () => boolean): void {
  const still = () => !worker.isolate.isDisposed && running()
  let reached = false
  void delivered.then(() => {
    reached = true
    setTimeout(() => still() && worker.dispose('timeout'), TIMEOUT_GRACE_MS).unref()
  })
  const startCpu = worker.isolate.isDisposed ? 0n : worker.isolate.cpuTime
  const startedAt = Date.now()
  const check = () => {
    if (reached || !still()) return
    const burning = worker.isolate.cpuTime - startCpu > RUNAWAY_CPU_NS
    if (burning || Date.now() - startedAt >= ABORT_DELIVERY_CAP_MS) worker.dispose('timeout')
    else setTimeout(check, TIMEOUT_GRACE_MS).unref()
  }
  setTimeout(check, TIMEOUT_GRACE_MS).unref()
}

/**
 * Disposes the isolate once the call has used `limitMs` of CPU. isolated-vm updates `cpuTime` while code runs, so a
 * sampling timer sees a busy loop too; the timer only exists while a limited call runs.
 */
function watchCpu(worker: IsolateWorker, limitMs: number | undefined): () => void {
  if (!limitMs || !(limitMs > 0)) return () => undefined
  const start = worker.isolate.cpuTime
  const budget = BigInt(Math.round(limitMs * 1e6))
  const timer = setInterval(
    () => {
      if (worker.isolate.isDisposed || worker.isolate.cpuTime - start <= budget) return
      clearInterval(timer)
      // Only disposing stops code that never yields; the call then fails with CPU_LIMIT (runError).
      worker.dispose('cpu')
    },
    Math.min(50, Math.max(2, limitMs / 4)),
  )
  timer.unref()
  return () => clearInterval(timer)
}

/** For the invocation log: a fresh or a warm isolate, and its heap as last measured. */
function report(bridge: SandboxBridge, id: string, worker: IsolateWorker): void {
  if (worker.isolate.isDisposed) return
  try {
    bridge.call(id, 'stats', [{ isolate: worker.calls === 1 ? 'new' : 'warm', usedBytes: worker.heapBytes, limitBytes: worker.limitBytes }])
    // Every round trip to an isolate costs as much as a small call: measure the heap now and then, not after each call.
    if (worker.calls % HEAP_EVERY === 1) worker.refreshHeap()
  } catch {
    // A log detail must never fail the call.
  }
}

function unpack(packed: Packed): unknown {
  if ('error' in packed) {
    const { message, name, code, stack } = packed.error
    // Codes of this package and of the cloud SDK (a bridge error the function let through) keep their meaning.
    const error =
      code && (RUNTIME_ERROR_CODES as readonly string[]).includes(code)
        ? new RuntimeError(code as RuntimeErrorCode, message)
        : code && name === 'CloudError'
          ? new CloudError(code as never, message)
          : Object.assign(new Error(message), { name: name ?? 'Error' })
    if (stack) error.stack = stack
    throw error
  }
  if (packed.kind === 'undefined') return undefined
  if (packed.kind === 'string') return packed.value
  if (packed.kind === 'bytes') return packed.value
  return JSON.parse(packed.value)
}

function runError(error: unknown, worker: IsolateWorker, name: string): unknown {
  if (RuntimeError.is(error)) return error
  if (worker.disposedFor === 'timeout') return new RuntimeError('TIMEOUT', `${name} did not finish in time; its isolate was disposed`)
  if (worker.disposedFor === 'cpu') return new RuntimeError('CPU_LIMIT', `${name} used more CPU time than its limit; its isolate was disposed`)
  const message = String((error as Error)?.message ?? error)
  if (worker.disposedFor === 'memory' || /memory limit/i.test(message) || worker.isolate.isDisposed) {
    worker.dispose('memory')
    return new RuntimeError('MEMORY_LIMIT', `${name} used more memory than its isolate allows; the isolate was replaced`, { cause: error })
  }
  return error
}

function loadError(error: unknown, name: string, timeoutMs: number): unknown {
  const message = String((error as Error)?.message ?? error)
  if (/timed out/i.test(message)) return new RuntimeError('TIMEOUT', `${name}'s top-level code ran for more than ${timeoutMs} ms (loadTimeoutMs)`)
  if (/memory limit/i.test(message)) return new RuntimeError('MEMORY_LIMIT', `${name}'s top-level code used more memory than its isolate allows`)
  const code = (error as { code?: unknown })?.code
  if (typeof code === 'string' && ['MODULE_NOT_FOUND', 'CIRCULAR_IMPORT', 'NO_ENTRY_POINT'].includes(code)) return new RuntimeError(code as never, message)
  return error
}

function sharedOp(shared: Map<string, unknown>, [action, key, value]: unknown[]): unknown {
  const name = String(key)
  switch (action) {
    case 'get':
      return shared.get(name)
    case 'set':
      // Values cross as copies (structured clone), as JSON would.
      shared.set(name, structuredClone(value))
      return true
    case 'has':
      return shared.has(name)
    case 'delete':
      return shared.delete(name)
    case 'clear':
      shared.clear()
      return true
    case 'keys':
      return [...shared.keys()]
    default:
      throw new RuntimeError('BAD_REQUEST', `cloud.shared has no ${JSON.stringify(action)}`)
  }
}
