// Web-standard globals for the isolate, written small: an isolate is bare V8 (no TextEncoder, no AbortController, no
// Buffer). Runs inside the isolate as part of the prelude; uses nothing from the host.
export const WEB_GLOBALS = String.raw`
class TextEncoder {
  get encoding() { return 'utf-8' }
  encode(input = '') {
    const text = String(input)
    const out = []
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i)
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1)
        if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++ } else c = 0xfffd
      } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd
      if (c < 0x80) out.push(c)
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    }
    return new Uint8Array(out)
  }
}
class TextDecoder {
  constructor(label = 'utf-8') {
    if (!/^utf-?8$/i.test(String(label))) throw new RangeError('only utf-8 is supported in the isolate sandbox')
  }
  get encoding() { return 'utf-8' }
  decode(input) {
    if (input === undefined) return ''
    const bytes = input instanceof Uint8Array ? input : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input)
    let out = ''
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i++]
      let c
      if (b < 0x80) c = b
      else if (b >= 0xc0 && b < 0xe0) c = ((b & 31) << 6) | (bytes[i++] & 63)
      else if (b >= 0xe0 && b < 0xf0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63)
      else if (b >= 0xf0) c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63)
      else c = 0xfffd
      out += c > 0xffff ? String.fromCharCode(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 1023)) : String.fromCharCode(c)
    }
    return out
  }
}
globalThis.TextEncoder = TextEncoder
globalThis.TextDecoder = TextDecoder

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function bytesToBase64(bytes) {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=')
  }
  return out
}
function base64ToBytes(text) {
  const clean = String(text).replace(/[\s=]/g, '').replace(/-/g, '+').replace(/_/g, '/')
  if (/[^A-Za-z0-9+/]/.test(clean)) throw new Error('invalid base64')
  const out = []
  for (let i = 0; i < clean.length; i += 4) {
    const n = (B64.indexOf(clean[i]) << 18) | (B64.indexOf(clean[i + 1] ?? 'A') << 12) | (B64.indexOf(clean[i + 2] ?? 'A') << 6) | B64.indexOf(clean[i + 3] ?? 'A')
    out.push((n >> 16) & 255)
    if (i + 2 < clean.length) out.push((n >> 8) & 255)
    if (i + 3 < clean.length) out.push(n & 255)
  }
  return new Uint8Array(out)
}
globalThis.btoa = (text) => {
  const s = String(text)
  if (/[^\u0000-\u00ff]/.test(s)) throw new Error('btoa: the string contains characters outside Latin-1')
  return bytesToBase64(Uint8Array.from(s, (ch) => ch.charCodeAt(0)))
}
globalThis.atob = (text) => String.fromCharCode(...base64ToBytes(text))

// A Buffer for the common subset: from / toString in utf8, base64, hex; byteLength, concat, isBuffer.
class Buffer extends Uint8Array {
  static from(value, encoding = 'utf8') {
    if (typeof value === 'string') {
      const e = String(encoding).toLowerCase()
      const bytes = e === 'base64' || e === 'base64url' ? base64ToBytes(value) : e === 'hex' ? Uint8Array.from(value.match(/../g) || [], (h) => parseInt(h, 16)) : e === 'latin1' || e === 'binary' ? Uint8Array.from(value, (ch) => ch.charCodeAt(0) & 255) : new TextEncoder().encode(value)
      return new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    }
    if (value instanceof ArrayBuffer) return new Buffer(value.slice(0))
    const bytes = Uint8Array.from(value)
    return new Buffer(bytes.buffer, 0, bytes.byteLength)
  }
  static alloc(size, fill = 0) { const b = new Buffer(size); b.fill(fill); return b }
  static isBuffer(value) { return value instanceof Buffer }
  static byteLength(value, encoding) { return typeof value === 'string' ? Buffer.from(value, encoding).length : value.byteLength }
  static concat(list, total) {
    const size = total ?? list.reduce((sum, each) => sum + each.length, 0)
    const out = Buffer.alloc(size)
    let at = 0
    for (const each of list) { out.set(each.subarray(0, Math.max(0, size - at)), at); at += each.length; if (at >= size) break }
    return out
  }
  toString(encoding = 'utf8', start = 0, end = this.length) {
    const part = this.subarray(start, end)
    const e = String(encoding).toLowerCase()
    if (e === 'base64') return bytesToBase64(part)
    if (e === 'base64url') return bytesToBase64(part).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    if (e === 'hex') return Array.from(part, (x) => x.toString(16).padStart(2, '0')).join('')
    if (e === 'latin1' || e === 'binary') return String.fromCharCode(...part)
    return new TextDecoder().decode(part)
  }
  toJSON() { return { type: 'Buffer', data: Array.from(this) } }
  equals(other) { return this.length === other.length && this.every((x, i) => x === other[i]) }
}
globalThis.Buffer = Buffer

class Event {
  constructor(type) { this.type = String(type); this.defaultPrevented = false }
  preventDefault() { this.defaultPrevented = true }
}
class EventTarget {
  #listeners = new Map()
  addEventListener(type, listener, options) {
    if (typeof listener !== 'function') return
    const list = this.#listeners.get(type) || []
    list.push({ listener, once: Boolean(options && options.once) })
    this.#listeners.set(type, list)
  }
  removeEventListener(type, listener) {
    const list = this.#listeners.get(type)
    if (list) this.#listeners.set(type, list.filter((each) => each.listener !== listener))
  }
  dispatchEvent(event) {
    const list = this.#listeners.get(event.type) || []
    this.#listeners.set(event.type, list.filter((each) => !each.once))
    for (const each of list) { try { each.listener.call(this, event) } catch (error) { reportLate(error) } }
    const handler = this['on' + event.type]
    if (typeof handler === 'function') { try { handler.call(this, event) } catch (error) { reportLate(error) } }
    return !event.defaultPrevented
  }
}
class AbortSignal extends EventTarget {
  #aborted = false
  #reason = undefined
  get aborted() { return this.#aborted }
  get reason() { return this.#reason }
  throwIfAborted() { if (this.#aborted) throw this.#reason }
  static abort(reason) { const c = new AbortController(); c.abort(reason); return c.signal }
  static timeout(ms) { const c = new AbortController(); setTimeout(() => c.abort(new Error('The operation timed out')), ms); return c.signal }
  _abort(reason) {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason === undefined ? new Error('This operation was aborted') : reason
    this.dispatchEvent(new Event('abort'))
  }
}
class AbortController {
  #signal = new AbortSignal()
  get signal() { return this.#signal }
  abort(reason) { this.#signal._abort(reason) }
}
globalThis.Event = Event
globalThis.EventTarget = EventTarget
globalThis.AbortSignal = AbortSignal
globalThis.AbortController = AbortController

function clone(value, seen) {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw new Error('structuredClone: ' + typeof value + ' could not be cloned')
    return value
  }
  if (seen.has(value)) return seen.get(value)
  if (value instanceof Date) return new Date(value.getTime())
  if (value instanceof RegExp) return new RegExp(value.source, value.flags)
  if (ArrayBuffer.isView(value)) return value.slice(0)
  if (value instanceof ArrayBuffer) return value.slice(0)
  if (value instanceof Map) { const out = new Map(); seen.set(value, out); for (const [k, v] of value) out.set(clone(k, seen), clone(v, seen)); return out }
  if (value instanceof Set) { const out = new Set(); seen.set(value, out); for (const v of value) out.add(clone(v, seen)); return out }
  const out = Array.isArray(value) ? [] : {}
  seen.set(value, out)
  for (const key of Object.keys(value)) out[key] = clone(value[key], seen)
  return out
}
globalThis.structuredClone = (value) => clone(value, new Map())

class URLSearchParams {
  #pairs = []
  constructor(init = '') {
    if (typeof init === 'string') {
      for (const part of init.replace(/^\?/, '').split('&')) {
        if (!part) continue
        const at = part.indexOf('=')
        const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '))
        this.#pairs.push(at < 0 ? [decode(part), ''] : [decode(part.slice(0, at)), decode(part.slice(at + 1))])
      }
    } else if (init && typeof init === 'object') {
      for (const [k, v] of Symbol.iterator in init ? init : Object.entries(init)) this.#pairs.push([String(k), String(v)])
    }
  }
  get(name) { const hit = this.#pairs.find(([k]) => k === name); return hit ? hit[1] : null }
  getAll(name) { return this.#pairs.filter(([k]) => k === name).map(([, v]) => v) }
  has(name) { return this.#pairs.some(([k]) => k === name) }
  set(name, value) { this.delete(name); this.#pairs.push([String(name), String(value)]) }
  append(name, value) { this.#pairs.push([String(name), String(value)]) }
  delete(name) { this.#pairs = this.#pairs.filter(([k]) => k !== name) }
  forEach(fn) { for (const [k, v] of this.#pairs) fn(v, k, this) }
  keys() { return this.#pairs.map(([k]) => k)[Symbol.iterator]() }
  values() { return this.#pairs.map(([, v]) => v)[Symbol.iterator]() }
  entries() { return this.#pairs.map((pair) => [...pair])[Symbol.iterator]() }
  [Symbol.iterator]() { return this.entries() }
  toString() { const e = (s) => encodeURIComponent(s).replace(/%20/g, '+'); return this.#pairs.map(([k, v]) => e(k) + '=' + e(v)).join('&') }
}
globalThis.URLSearchParams = URLSearchParams

class Headers {
  #map = new Map()
  constructor(init) {
    if (!init) return
    const pairs = init instanceof Headers ? [...init.entries()] : Array.isArray(init) ? init : Object.entries(init)
    for (const [name, value] of pairs) this.append(name, value)
  }
  append(name, value) { const key = String(name).toLowerCase(); const prev = this.#map.get(key); this.#map.set(key, prev === undefined ? String(value) : prev + ', ' + value) }
  set(name, value) { this.#map.set(String(name).toLowerCase(), String(value)) }
  get(name) { const value = this.#map.get(String(name).toLowerCase()); return value === undefined ? null : value }
  has(name) { return this.#map.has(String(name).toLowerCase()) }
  delete(name) { this.#map.delete(String(name).toLowerCase()) }
  forEach(fn) { for (const [k, v] of this.#map) fn(v, k, this) }
  keys() { return this.#map.keys() }
  values() { return this.#map.values() }
  entries() { return this.#map.entries() }
  [Symbol.iterator]() { return this.#map.entries() }
}
class Response {
  #body
  constructor(body, init = {}) {
    this.#body = body == null ? new Uint8Array(0) : typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body)
    this.status = init.status ?? 200
    this.statusText = init.statusText ?? ''
    this.headers = new Headers(init.headers)
    this.url = init.url ?? ''
    this.ok = this.status >= 200 && this.status < 300
    this.redirected = false
    this.bodyUsed = false
  }
  #take() { if (this.bodyUsed) throw new TypeError('the body was already read'); this.bodyUsed = true; return this.#body }
  async text() { return new TextDecoder().decode(this.#take()) }
  async json() { return JSON.parse(await this.text()) }
  async arrayBuffer() { const b = this.#take(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) }
  async bytes() { return new Uint8Array(this.#take()) }
  clone() { return new Response(new Uint8Array(this.#body), { status: this.status, statusText: this.statusText, headers: this.headers, url: this.url }) }
}
globalThis.Headers = Headers
globalThis.Response = Response
// fetch runs on the host (private addresses refused unless the host allows them); the response body is copied in.
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input && input.url ? input.url : String(input)
  const headers = [...new Headers(init.headers).entries()]
  let body = init.body
  if (body !== undefined && body !== null && typeof body !== 'string') body = body instanceof Uint8Array ? body : ArrayBuffer.isView(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : String(body)
  if (init.signal && init.signal.aborted) throw init.signal.reason
  const answer = await callAsync('fetch', [{ url, method: init.method ? String(init.method).toUpperCase() : 'GET', headers, ...(body == null ? {} : { body }) }])
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers, url: answer.url })
}

// URL for the common cases: absolute and relative (against a base) URLs of special schemes, with a live searchParams.
const DEFAULT_PORTS = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' }
function normalizePath(path) {
  const out = []
  for (const part of path.split('/').slice(1)) {
    if (part === '..') out.pop()
    else if (part !== '.') out.push(part)
  }
  const last = path.split('/').pop()
  return '/' + out.join('/') + (last === '.' || last === '..' ? '/' : '')
}
class URL {
  #protocol; #username; #password; #hostname; #port; #pathname; #search; #hash; #params
  constructor(input, base) {
    const text = String(input).trim()
    const match = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(.*)$/.exec(text)
    if (match && !(base !== undefined && !/^\/\//.test(match[2]) && match[1].length === 2)) {
      this.#parseAbsolute(match[1].toLowerCase(), match[2], text)
    } else {
      if (base === undefined) throw new TypeError('Invalid URL: ' + text)
      const b = base instanceof URL ? base : new URL(base)
      this.#protocol = b.protocol
      if (text.startsWith('//')) { this.#parseAbsolute(b.protocol, text, text); this.#params = new URLSearchParams(this.#search); return }
      this.#username = b.username; this.#password = b.password; this.#hostname = b.hostname; this.#port = b.port
      const [rest, hash = null] = splitOnce(text, '#')
      const [path, query = null] = splitOnce(rest, '?')
      if (path === '') { this.#pathname = b.pathname; this.#search = query === null ? b.search : (query ? '?' + query : '') }
      else { this.#pathname = normalizePath(path.startsWith('/') ? path : b.pathname.replace(/[^/]*$/, '') + path); this.#search = query ? '?' + query : '' }
      this.#hash = hash ? '#' + hash : ''
    }
    this.#params = new URLSearchParams(this.#search)
  }
  #parseAbsolute(protocol, rest, text) {
    this.#protocol = protocol
    const special = protocol in DEFAULT_PORTS || protocol === 'file:'
    const [beforeHash, hash = null] = splitOnce(rest, '#')
    const [beforeQuery, query = null] = splitOnce(beforeHash, '?')
    this.#hash = hash ? '#' + hash : ''
    this.#search = query ? '?' + query : ''
    let path = beforeQuery
    this.#username = ''; this.#password = ''; this.#hostname = ''; this.#port = ''
    if (special) path = path.replace(/\\/g, '/').replace(/^\/*/, '//')
    if (path.startsWith('//')) {
      const end = path.indexOf('/', 2)
      let authority = end < 0 ? path.slice(2) : path.slice(2, end)
      path = end < 0 ? '' : path.slice(end)
      const at = authority.lastIndexOf('@')
      if (at >= 0) {
        const [user, pass = ''] = splitOnce(authority.slice(0, at), ':')
        this.#username = user; this.#password = pass
        authority = authority.slice(at + 1)
      }
      const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority)
      if (!portMatch) throw new TypeError('Invalid URL: ' + text)
      this.#hostname = portMatch[1].toLowerCase()
      const port = portMatch[2] ?? ''
      this.#port = port === DEFAULT_PORTS[protocol] ? '' : port
      if (special && protocol !== 'file:' && !this.#hostname) throw new TypeError('Invalid URL: ' + text)
    }
    this.#pathname = special ? normalizePath(path || '/') : path
  }
  get protocol() { return this.#protocol }
  get username() { return this.#username }
  get password() { return this.#password }
  get hostname() { return this.#hostname }
  get port() { return this.#port }
  get host() { return this.#hostname + (this.#port ? ':' + this.#port : '') }
  get origin() { return this.#protocol in DEFAULT_PORTS ? this.#protocol + '//' + this.host : 'null' }
  get pathname() { return this.#pathname }
  set pathname(value) { this.#pathname = normalizePath(String(value).startsWith('/') ? String(value) : '/' + value) }
  get search() { const q = this.#params.toString(); return q ? '?' + q : '' }
  set search(value) { this.#params = new URLSearchParams(String(value)) }
  get searchParams() { return this.#params }
  get hash() { return this.#hash }
  set hash(value) { const v = String(value); this.#hash = v ? (v.startsWith('#') ? v : '#' + v) : '' }
  get href() {
    const auth = this.#username ? this.#username + (this.#password ? ':' + this.#password : '') + '@' : ''
    const slashes = this.#hostname || this.#protocol in DEFAULT_PORTS || this.#protocol === 'file:' ? '//' : ''
    return this.#protocol + slashes + auth + this.host + this.#pathname + this.search + this.#hash
  }
  toString() { return this.href }
  toJSON() { return this.href }
  static canParse(input, base) { try { new URL(input, base); return true } catch (error) { return false } }
}
function splitOnce(text, separator) {
  const at = text.indexOf(separator)
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)]
}
globalThis.URL = URL

// ReadableStream for the common case (a function returns one to stream it): start/pull/cancel, a default reader, async
// iteration. Chunks are whatever the source enqueues; no byte streams, no tee, no pipeTo.
class ReadableStream {
  #queue = []; #waiting = []; #done = false; #error; #source; #pulling = false; #controller
  constructor(source = {}) {
    this.#source = source
    const controller = {
      enqueue: (chunk) => { const next = this.#waiting.shift(); if (next) next.resolve({ value: chunk, done: false }); else this.#queue.push(chunk) },
      close: () => { this.#done = true; for (const next of this.#waiting.splice(0)) next.resolve({ value: undefined, done: true }) },
      error: (error) => { this.#error = error === undefined ? new Error('stream errored') : error; for (const next of this.#waiting.splice(0)) next.reject(this.#error) },
      get desiredSize() { return 1 },
    }
    this.#controller = controller
    if (typeof source.start === 'function') Promise.resolve(source.start(controller)).catch(controller.error)
  }
  get locked() { return false }
  #read() {
    if (this.#error) return Promise.reject(this.#error)
    if (this.#queue.length) return Promise.resolve({ value: this.#queue.shift(), done: false })
    if (this.#done) return Promise.resolve({ value: undefined, done: true })
    const pending = new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }))
    if (typeof this.#source.pull === 'function' && !this.#pulling) {
      this.#pulling = true
      Promise.resolve(this.#source.pull(this.#controller)).then(() => { this.#pulling = false }, this.#controller.error)
    }
    return pending
  }
  async cancel(reason) { this.#done = true; this.#queue = []; if (typeof this.#source.cancel === 'function') await this.#source.cancel(reason) }
  getReader() {
    return { read: () => this.#read(), cancel: (reason) => this.cancel(reason), releaseLock() {}, closed: Promise.resolve() }
  }
  async *[Symbol.asyncIterator]() {
    try {
      for (;;) { const step = await this.#read(); if (step.done) return; yield step.value }
    } finally { if (!this.#done) await this.cancel() }
  }
  static from(iterable) {
    const iterator = (iterable[Symbol.asyncIterator] || iterable[Symbol.iterator]).call(iterable)
    return new ReadableStream({ async pull(c) { const step = await iterator.next(); if (step.done) c.close(); else c.enqueue(step.value) }, cancel: () => iterator.return && iterator.return() })
  }
}
globalThis.ReadableStream = ReadableStream
`
