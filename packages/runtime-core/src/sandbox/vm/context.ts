import type { CloudSocket, TokenPayload, Trigger } from '@scraping-run/cloud'
import { RuntimeError } from '../../errors.js'
import type { PlainContext, PlainFile, SandboxBridge, SandboxCall } from '../protocol.js'
import { createResponseFacade } from '../response-facade.js'

interface SignalState {
  controller?: AbortController
  reason?: RuntimeError
}

/**
 * `ctx.signal` per running call, made on first read (most functions never read it, and an AbortController per call is
 * measurable), aborted by the executor's abort message.
 */
export class CallSignals {
  private readonly calls = new Map<string, SignalState>()

  open(id: string): void {
    this.calls.set(id, {})
  }

  close(id: string): void {
    this.calls.delete(id)
  }

  signal(id: string): AbortSignal {
    let state = this.calls.get(id)
    if (!state) {
      // The call already ended: a signal that never aborts.
      state = {}
    }
    if (!state.controller) {
      state.controller = new AbortController()
      if (state.reason) state.controller.abort(state.reason)
    }
    return state.controller.signal
  }

  abort(id: string, reason: { code: string; message: string }): void {
    const state = this.calls.get(id)
    if (!state || state.reason) return
    state.reason = new RuntimeError(reason.code as never, reason.message)
    state.controller?.abort(state.reason)
  }
}

/**
 * The `ctx` a function gets in the vm sandbox. A class so that `signal` (and the response facade) can be lazy getters
 * without the per-call cost of an object literal with accessors.
 */
export class VmContext {
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
  files?: PlainFile[]
  request?: unknown
  response?: unknown
  readonly #id: string
  readonly #signals: CallSignals
  readonly #bridge: SandboxBridge
  readonly #background: (id: string, work: Promise<unknown>) => void

  constructor(call: SandboxCall, signals: CallSignals, bridge: SandboxBridge, facade: boolean, background: (id: string, work: Promise<unknown>) => void) {
    const plain: PlainContext = call.ctx
    this.requestId = plain.requestId
    this.functionName = plain.functionName
    this.method = plain.method
    this.path = plain.path
    this.query = plain.query
    this.body = plain.body
    this.headers = plain.headers
    this.user = plain.user
    this.trigger = plain.trigger
    this.env = plain.env
    if (plain.files) this.files = plain.files
    if (plain.extra) Object.assign(this, plain.extra)
    this.#id = call.invocationId
    this.#signals = signals
    this.#bridge = bridge
    this.#background = background
    if (call.host) {
      if (call.host.request) this.request = call.host.request
      if (call.host.response) this.response = call.host.response
    } else if (call.response && facade) {
      const id = call.invocationId
      this.response = createResponseFacade(
        (method, args) => bridge.call(id, 'response', [method, ...args]) as never,
        (method, args) => Promise.resolve(bridge.call(id, 'response', [method, ...args]) as never),
      )
    }
  }

  get signal(): AbortSignal {
    return this.#signals.signal(this.#id)
  }

  /** WebSocket events: the event's own connection, over the `sockets` op like every other handle. */
  get socket(): CloudSocket | undefined {
    if (this.trigger.kind !== 'websocket') return undefined
    const id = this.#id
    const bridge = this.#bridge
    const connectionId = this.trigger.connectionId
    return Object.freeze({
      id: connectionId,
      user: this.user,
      readyState: 1,
      send: (data: unknown) => bridge.call(id, 'sockets', ['send', connectionId, data]) as boolean,
      close: (code?: number, reason?: string) => void bridge.call(id, 'sockets', ['close', connectionId, code, reason]),
    })
  }

  /** Work that goes on after the result; the sandbox bounds it by the call's timeout and waits for it on dispose. */
  waitUntil(work: Promise<unknown>): void {
    this.#background(this.#id, work)
  }

  /** Reports progress to the caller (MCP progress notifications); a no-op for callers that do not listen. */
  progress(progress: number, total?: number, message?: string): void {
    this.#bridge.call(this.#id, 'progress', [progress, total, message])
  }

  /** What an `__interceptor__` may have changed before calling `next()`; the host applies it to the rest of the chain. */
  patch(): Pick<PlainContext, 'body' | 'query' | 'headers' | 'user'> {
    return { body: this.body, query: this.query, headers: this.headers, user: this.user }
  }
}
