// `Request` for the isolate, and `fetch(request)`. Runs inside the isolate after WEB_GLOBALS (it uses its Headers,
// TextEncoder/Decoder, URLSearchParams, AbortController and fetch); uses nothing from the host.
export const WEB_REQUEST = String.raw`
const requestBodies = new WeakMap()
function requestBody(body) {
  if (body == null) return null
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  return String(body)
}
class Request {
  constructor(input, init = {}) {
    const from = input instanceof Request ? input : undefined
    if (from && from.bodyUsed) throw new TypeError('the body of the Request was already read')
    this.url = from ? from.url : new URL(input instanceof URL ? input.href : String(input)).href
    this.method = String(init.method ?? (from ? from.method : 'GET')).toUpperCase()
    this.headers = new Headers(init.headers ?? (from ? from.headers : undefined))
    const body = init.body !== undefined ? init.body : from ? requestBodies.get(from) : null
    if (body != null && (this.method === 'GET' || this.method === 'HEAD')) throw new TypeError('a ' + this.method + ' Request cannot have a body')
    if (!this.headers.has('content-type')) {
      if (body instanceof URLSearchParams) this.headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8')
      else if (typeof body === 'string') this.headers.set('content-type', 'text/plain;charset=UTF-8')
    }
    requestBodies.set(this, requestBody(body))
    this.signal = init.signal ?? (from ? from.signal : new AbortController().signal)
    this.redirect = init.redirect ?? (from ? from.redirect : 'follow')
    this.credentials = init.credentials ?? (from ? from.credentials : 'same-origin')
    this.bodyUsed = false
  }
  #take() {
    if (this.bodyUsed) throw new TypeError('the body was already read')
    this.bodyUsed = true
    const body = requestBodies.get(this)
    return body == null ? new Uint8Array(0) : typeof body === 'string' ? new TextEncoder().encode(body) : body
  }
  async text() { return new TextDecoder().decode(this.#take()) }
  async json() { return JSON.parse(await this.text()) }
  async arrayBuffer() { const b = this.#take(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) }
  async bytes() { return new Uint8Array(this.#take()) }
  clone() { return new Request(this) }
}
globalThis.Request = Request
const fetchPlain = globalThis.fetch
// What init gives wins over the request's own method, headers and body, as in the standard.
globalThis.fetch = (input, init) =>
  input instanceof Request
    ? fetchPlain(input.url, { method: input.method, headers: input.headers, body: input.bodyUsed ? undefined : requestBodies.get(input) ?? undefined, signal: input.signal, ...(init || {}) })
    : fetchPlain(input, init)
`
