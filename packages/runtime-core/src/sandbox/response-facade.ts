import type { ResponseState } from './protocol.js'

/** What a function may do with `ctx.response` in a sandbox without host objects (the README lists it). */
export interface ResponseFacade {
  statusCode: number
  readonly headersSent: boolean
  readonly writableEnded: boolean
  status(code: number): ResponseFacade
  setHeader(name: string, value: string | number | readonly string[]): ResponseFacade
  getHeader(name: string): string | number | string[] | undefined
  getHeaders(): Record<string, string | number | string[]>
  hasHeader(name: string): boolean
  removeHeader(name: string): void
  set(name: string | Record<string, string>, value?: string): ResponseFacade
  type(contentType: string): ResponseFacade
  write(chunk: string | Uint8Array): boolean
  end(chunk?: string | Uint8Array): ResponseFacade
  send(body?: unknown): ResponseFacade
  json(value: unknown): ResponseFacade
  redirect(statusOrUrl: number | string, url?: string): void
  cookie(name: string, value: string, options?: Record<string, unknown>): ResponseFacade
  clearCookie(name: string, options?: Record<string, unknown>): ResponseFacade
  /** `'drain'` after a `write()` that returned false; `'finish'`/`'close'` once the response is ended. */
  once(event: 'drain' | 'finish' | 'close', listener: () => void): ResponseFacade
  on(event: 'drain' | 'finish' | 'close', listener: () => void): ResponseFacade
}

type Send = (method: string, args: unknown[]) => ResponseState
type SendAsync = (method: string, args: unknown[]) => Promise<ResponseState>

/**
 * A response facade over the bridge: headers are mirrored here so reads need no round trip; every change is one
 * `response` op. It holds no host object, so an isolate can run the same code.
 */
export function createResponseFacade(send: Send, sendAsync?: SendAsync): ResponseFacade {
  const headers = new Map<string, string | number | string[]>()
  let state: ResponseState = { statusCode: 200, headersSent: false, writableEnded: false }
  let ending: Array<() => void> = []
  const op = (method: string, ...args: unknown[]): void => {
    state = send(method, args)
    if (state.writableEnded && ending.length) {
      const listeners = ending
      ending = []
      for (const listener of listeners) listener()
    }
  }
  // 'drain' asks the host to wait for the real response's drain (one async op); 'finish'/'close' fire on the op that ends it.
  const listen = (event: string, listener: () => void): ResponseFacade => {
    if (event === 'drain') {
      if (!sendAsync || !state.needDrain) queueMicrotask(listener)
      else
        sendAsync('drain', []).then(
          (next) => {
            state = next
            listener()
          },
          () => listener(),
        )
    } else if (event === 'finish' || event === 'close') {
      if (state.writableEnded) queueMicrotask(listener)
      else ending.push(listener)
    }
    return facade
  }
  const facade: ResponseFacade = {
    get statusCode() {
      return state.statusCode
    },
    set statusCode(code: number) {
      op('status', code)
    },
    get headersSent() {
      return state.headersSent
    },
    get writableEnded() {
      return state.writableEnded
    },
    status(code) {
      op('status', code)
      return facade
    },
    setHeader(name, value) {
      const copy = Array.isArray(value) ? [...value].map(String) : (value as string | number)
      op('setHeader', String(name), copy)
      headers.set(String(name).toLowerCase(), copy)
      return facade
    },
    getHeader: (name) => headers.get(String(name).toLowerCase()),
    getHeaders: () => Object.fromEntries(headers),
    hasHeader: (name) => headers.has(String(name).toLowerCase()),
    removeHeader(name) {
      op('removeHeader', String(name))
      headers.delete(String(name).toLowerCase())
    },
    set(name, value) {
      if (typeof name === 'object') for (const [key, each] of Object.entries(name)) facade.setHeader(key, each)
      else facade.setHeader(name, String(value))
      return facade
    },
    type: (contentType) => facade.setHeader('content-type', contentType.includes('/') ? contentType : `application/${contentType}`),
    write(chunk) {
      op('write', chunk)
      return !state.needDrain
    },
    end(chunk) {
      op('end', ...(chunk === undefined ? [] : [chunk]))
      return facade
    },
    send(body) {
      // Objects are serialised here, in the function's realm, so its own toJSON runs where it was written.
      if (typeof body === 'object' && body !== null && !ArrayBuffer.isView(body)) return facade.json(body)
      op('send', ...(body === undefined ? [] : [body]))
      return facade
    },
    json(value) {
      op('json', JSON.stringify(value === undefined ? null : value))
      return facade
    },
    redirect(statusOrUrl, url) {
      op('redirect', ...(url === undefined ? [302, statusOrUrl] : [statusOrUrl, url]))
    },
    cookie(name, value, options) {
      op('cookie', name, value, options ?? {})
      return facade
    },
    clearCookie(name, options) {
      op('cookie', name, '', { ...(options ?? {}), expires: new Date(0).toUTCString() })
      return facade
    },
    once: listen,
    on: listen,
  }
  return facade
}
