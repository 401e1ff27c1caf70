import { RuntimeError } from '../errors.js'
import type { TokenPayload, Trigger, UploadedFile } from '@scraping-run/cloud'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { InvokeInit } from '../types.js'

/**
 * `ctx.signal` of one call, created on first read (most functions never read it, and an AbortController per call is
 * measurable). Aborted on timeout, and when the caller's own signal aborts.
 */
export class CallAbort {
  private controller: AbortController | undefined
  private abortedWith: { reason: unknown } | undefined
  private listener: ((reason: unknown) => void) | undefined
  private readonly onCaller: (() => void) | undefined

  constructor(private readonly callerSignal: AbortSignal | undefined) {
    if (!callerSignal) return
    this.onCaller = () => {
      const reason = new RuntimeError('ABORTED', 'the caller cancelled the invocation')
      this.abort(reason)
      this.listener?.(reason)
    }
    if (callerSignal.aborted) queueMicrotask(this.onCaller)
    else callerSignal.addEventListener('abort', this.onCaller, { once: true })
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason)
    }
    return this.controller.signal
  }

  /** Aborts ctx.signal (creating it already aborted if nobody has read it yet). */
  abort(reason: unknown): void {
    if (this.abortedWith) return
    this.abortedWith = { reason }
    this.controller?.abort(reason)
  }

  /** `next` is called once when the caller's signal aborts (or at once if it already has). */
  onCallerAbort(next: (reason: unknown) => void): void {
    this.listener = next
    if (this.abortedWith && this.callerSignal?.aborted) next(this.abortedWith.reason)
  }

  dispose(): void {
    this.listener = undefined
    if (this.onCaller) this.callerSignal?.removeEventListener('abort', this.onCaller)
  }
}

/** How a running invocation is stopped from outside. */
export interface StopControl {
  /** Called once when the call times out or its caller aborts (the executor forwards it to the sandbox). */
  onStop(reason: RuntimeError): void
  /** Set by `withTimeout`: fails the call now (an uncaught error in one of its callbacks). */
  fail?: (error: unknown) => void
}

/** Settles with the work, or rejects with TIMEOUT (aborting `ctx.signal`) even if the work never settles. */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number, abort: CallAbort, name: string, control: StopControl): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new RuntimeError('TIMEOUT', `${name} did not finish within ${timeoutMs} ms`)
      abort.abort(error)
      control.onStop(error)
      reject(error)
    }, timeoutMs)
    abort.onCallerAbort((reason) => {
      clearTimeout(timer)
      control.onStop(reason as RuntimeError)
      reject(reason)
    })
    control.fail = (error) => {
      clearTimeout(timer)
      reject(error)
    }
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * The `ctx` programmatic interceptors get (host code, so host objects are fine here); the sandbox builds the function's
 * own from its plain copy. A class so that `signal` can be a lazy getter without the per-call cost of an object
 * literal with an accessor; `signal` is therefore not an own property (`{...ctx}` leaves it out).
 */
export class InvocationContext {
  readonly requestId: string
  readonly functionName: string
  method: string
  path: string
  query: Record<string, unknown>
  body: unknown
  headers: Record<string, string | string[] | undefined>
  user: TokenPayload | null
  trigger: Trigger
  env: Record<string, string | undefined>
  files?: UploadedFile[]
  request?: IncomingMessage
  response?: ServerResponse
  readonly #abort: CallAbort
  readonly #onProgress: InvokeInit['onProgress']
  #onWaitUntil: ((work: Promise<unknown>) => void) | undefined

  constructor(requestId: string, functionName: string, init: InvokeInit, trigger: Trigger, env: Record<string, string | undefined>, abort: CallAbort) {
    this.requestId = requestId
    this.functionName = functionName
    // HTTP methods are case-insensitive; WebSocket events keep LAF's `WebSocket:message` as it is.
    this.method = trigger.kind === 'websocket' && init.method ? init.method : (init.method ?? 'POST').toUpperCase()
    this.path = init.path ?? `/${functionName}`
    this.query = init.query ?? {}
    this.body = init.body
    this.headers = init.headers ?? {}
    this.user = init.user ?? null
    this.trigger = trigger
    this.env = env
    this.#abort = abort
    this.#onProgress = init.onProgress
  }

  /** Set by the executor: where host-side waitUntil work goes. */
  set onWaitUntil(track: (work: Promise<unknown>) => void) {
    this.#onWaitUntil = track
  }

  get signal(): AbortSignal {
    return this.#abort.signal
  }

  /** Host code (a programmatic interceptor) can hand work on too; the executor's close() waits for it. */
  waitUntil(work: Promise<unknown>): void {
    this.#onWaitUntil?.(work)
  }

  /** Progress reported by host code (a programmatic interceptor) goes to the same listener as the function's. */
  progress(progress: number, total?: number, message?: string): void {
    this.#onProgress?.({ progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) })
  }
}
