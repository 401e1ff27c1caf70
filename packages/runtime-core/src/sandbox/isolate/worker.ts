import type * as IVM from 'isolated-vm'
import type { LoadUnit } from '../../types.js'
import type { SandboxBridge } from '../protocol.js'
import { PRELUDE } from './prelude.js'

type Ivm = typeof IVM
export type HostCall = (invocationId: string, op: string, args: unknown[]) => unknown

/** What a call returns from inside the isolate: data made there, never a live object. */
export type Packed =
  | ({ waiting?: boolean } & { kind: 'undefined' })
  | { kind: 'string'; value: string }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'json'; value: string }
  | { error: { message: string; name?: string; code?: string; stack?: string } }

const COPY = { arguments: { copy: true }, result: { copy: true } } as const
const COPY_PROMISE = { arguments: { copy: true }, result: { copy: true, promise: true } } as const
// Module wrappers start on their own line, so the compiled code's line 1 is the script's line 1 (lineOffset -1).
const WRAP_START = '__scrapingRunDefine(__key, function (exports, require, module, __filename, __dirname) {\n'

/**
 * One isolate with one context: the prelude, then one function's module (and the functions it imports). It runs one
 * call at a time; a limit breach (memory, wall clock) disposes it and the pool makes another.
 */
export class IsolateWorker {
  readonly isolate: IVM.Isolate
  private context: IVM.Context | undefined
  // The prelude's entry points, fetched once: each `get` would be a round trip to the isolate's thread.
  private entry: Record<'load' | 'run' | 'drain' | 'abort', IVM.Reference<any>> | undefined
  busy = false
  calls = 0
  /** What loading the module reported (entry kind, `meta` as JSON text). */
  loadInfo: { entry: string; meta?: string } | undefined
  /** The bridge of the call that loaded this isolate's module: it answers the module's top-level code. */
  loader: SandboxBridge | undefined
  disposedFor: 'memory' | 'timeout' | 'cpu' | 'closed' | undefined

  readonly limitBytes: number

  private constructor(
    private readonly ivm: Ivm,
    memoryLimitMb: number,
  ) {
    this.isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb })
    this.limitBytes = memoryLimitMb * 1024 * 1024
  }

  /** A fresh isolate with the prelude evaluated; `host` answers every bridge call it makes. */
  static async create(ivm: Ivm, memoryLimitMb: number, makeHost: (worker: IsolateWorker) => HostCall): Promise<IsolateWorker> {
    const worker = new IsolateWorker(ivm, memoryLimitMb)
    const host = makeHost(worker)
    try {
      worker.context = await worker.isolate.createContext()
      const reference = new ivm.Reference((id: string, op: string, args: unknown[]) => settle(() => host(id, op, args)))
      const boot: IVM.Reference<any> = await worker.context.evalClosure(PRELUDE, [reference], { result: { reference: true }, timeout: 2000 })
      const [load, run, drain, abort] = await Promise.all(['load', 'run', 'drain', 'abort'].map((name) => boot.get(name, { reference: true })))
      worker.entry = { load: load!, run: run!, drain: drain!, abort: abort! }
      boot.release()
      return worker
    } catch (error) {
      worker.dispose('closed')
      throw error
    }
  }

  /** Evaluates the unit's modules (imports first) and instantiates the entry: its entry kind and `meta` as JSON text. */
  async load(unit: LoadUnit, timeoutMs: number, bundle: (functionName: string, specifier: string) => Promise<string>): Promise<{ entry: string; meta?: string }> {
    const imports: Record<string, Record<string, string>> = {}
    const seen = new Set<string>()
    // The key goes into the wrapper's first line (its own line, so the function's line 1 stays line 1): one hop per module.
    const evaluate = async (key: string, code: string, filename: string): Promise<void> => {
      const script = await this.isolate.compileScript(`${WRAP_START.replace('__key', () => JSON.stringify(key))}${code}\n})`, { filename, lineOffset: -1 })
      await script.run(this.context!, { timeout: timeoutMs })
      script.release()
    }
    const define = async (each: LoadUnit): Promise<string> => {
      const key = `${each.compiled.name}@${each.compiled.hash}`
      if (seen.has(key)) return key
      seen.add(key)
      const map: Record<string, string> = {}
      for (const [specifier, dependency] of Object.entries(each.imports)) map[specifier] = await define(dependency)
      // npm packages from the host's allow-list, bundled once; anything else fails here, at load, by name.
      for (const specifier of each.compiled.packages ?? []) {
        const packageKey = `npm:${specifier}@bundle`
        if (!seen.has(packageKey)) {
          seen.add(packageKey)
          await evaluate(packageKey, await bundle(each.compiled.name, specifier), `npm:${specifier}`)
        }
        map[specifier] = packageKey
      }
      imports[key] = map
      await evaluate(key, each.compiled.code, each.compiled.filename)
      return key
    }
    const key = await define(unit)
    const loaded = (await this.entry!.load.apply(undefined, [key, imports], { ...COPY, timeout: timeoutMs })) as
      | { ok: true; value: { entry: string; meta?: string } }
      | { ok: false; error: { message: string; code?: string } }
    if (!loaded.ok) throw Object.assign(new Error(loaded.error.message), loaded.error)
    this.loadInfo = loaded.value
    this.refreshHeap()
    return loaded.value
  }

  async run(invocationId: string, key: string, ctx: unknown, flags: { interceptor: boolean; response: boolean }): Promise<Packed> {
    this.calls++
    // JSON text crosses faster than a structured clone of the same object; bytes (a raw body, files) need the clone.
    const text = hasBytes(ctx) ? undefined : JSON.stringify(ctx)
    return this.entry!.run.apply(undefined, [invocationId, key, text ?? ctx, { ...flags, json: text !== undefined }], COPY_PROMISE) as Promise<Packed>
  }

  /** Resolves when the call's `ctx.waitUntil` work has settled. */
  drain(invocationId: string): Promise<void> {
    return this.entry!.drain.apply(undefined, [invocationId], COPY_PROMISE) as Promise<void>
  }

  /** Resolves once the isolate has run the abort (its `ctx.signal` listeners included). */
  abort(invocationId: string, reason: { code: string; message: string }): Promise<void> {
    return this.entry ? this.entry.abort.apply(undefined, [invocationId, reason], COPY).then(() => undefined, () => undefined) : Promise.resolve()
  }

  /** The isolate's heap in bytes as last measured (after its previous call); measuring is a hop to its thread, so it is
   *  refreshed in the background after each call instead of on the call's path. */
  heapBytes = 0

  refreshHeap(): void {
    if (this.isolate.isDisposed) return
    this.isolate.getHeapStatistics().then(
      (stats) => {
        this.heapBytes = stats.used_heap_size + stats.externally_allocated_size
      },
      () => undefined,
    )
  }

  dispose(reason: 'memory' | 'timeout' | 'cpu' | 'closed'): void {
    this.disposedFor ??= reason
    if (!this.isolate.isDisposed) this.isolate.dispose()
  }
}

function hasBytes(ctx: unknown): boolean {
  const { body, files } = ctx as { body?: unknown; files?: unknown[] }
  return Boolean(files?.length) || ArrayBuffer.isView(body)
}

/** Every bridge answer crosses as an envelope, so a host error keeps its name and code inside the isolate. */
function settle(work: () => unknown): unknown {
  try {
    const value = work()
    if (value && typeof (value as Promise<unknown>).then === 'function') return (value as Promise<unknown>).then(ok, fail)
    return ok(value)
  } catch (error) {
    return fail(error)
  }
}

const ok = (value: unknown) => ({ ok: true, value: transferable(value) })

function fail(error: unknown): { ok: false; error: Record<string, unknown> } {
  const read = (key: string) => {
    try {
      const value = (error as Record<string, unknown>)?.[key]
      return typeof value === 'string' ? value : undefined
    } catch {
      return undefined
    }
  }
  const cause = (error as { cause?: { code?: unknown } })?.cause
  return {
    ok: false,
    error: {
      name: read('name') ?? 'Error',
      message: read('message') ?? String(error),
      ...(read('code') ? { code: read('code') } : {}),
      ...(cause && typeof cause.code === 'string' ? { cause: { code: cause.code } } : {}),
    },
  }
}

// Only data crosses: a Buffer becomes a plain Uint8Array, anything structured clone cannot carry is refused here.
function transferable(value: unknown): unknown {
  if (value instanceof Uint8Array && value.constructor !== Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  if (typeof value === 'function') return undefined
  return value
}
