// The code that boots every isolate. It runs inside the isolate, in strict mode, as the body of a closure whose only
// argument is the host bridge (`$0`, an ivm.Reference): it stays in this closure, so user code never reaches a Reference or a host function. It installs the globals functions expect and
// returns the three entry points the host calls: define a module, run a call, abort a call.
import { awslambda, sse, sseEvent } from '@scraping-run/cloud'
import { createLafFetch } from '../../laf/fetch.js'
import { createResponseFacade } from '../response-facade.js'
import { createLambdaCaller, createLambdaStreams, createResultPipe, streamTools } from '../stream-kit.js'
import { createSocketsFacade } from '../sockets-facade.js'
import { WEB_GLOBALS } from './web-globals.js'
import { WEB_REQUEST } from './web-request.js'

const CORE = String.raw`
const bridge = $0
const FROZEN = Object.freeze
let current = ''
let lafFetch
let timersOf = new Map()

// Sync ops (log, env, token, response) block this isolate briefly; async ops (invoke, database, storage) return promises.
function envelope(result) {
  if (result && result.ok) return result.value
  const detail = (result && result.error) || { message: 'bridge call failed' }
  const error = new Error(detail.message)
  error.name = detail.name || 'Error'
  if (detail.code) error.code = detail.code
  if (detail.cause) error.cause = detail.cause
  throw error
}
const callSync = (op, args) => envelope(bridge.applySync(undefined, [current, op, args], { arguments: { copy: true }, result: { copy: true } }))
const callAsync = (op, args) => {
  const id = current
  return bridge.apply(undefined, [id, op, args], { arguments: { copy: true }, result: { copy: true, promise: true } }).then(envelope)
}
const tell = (op, args) => bridge.applyIgnored(undefined, [current, op, args], { arguments: { copy: true } })

function format(value, depth) {
  if (typeof value === 'string') return depth === 0 ? value : JSON.stringify(value)
  if (typeof value === 'bigint') return value + 'n'
  if (typeof value === 'function') return '[Function ' + (value.name || 'anonymous') + ']'
  if (typeof value !== 'object' || value === null) return String(value)
  if (value instanceof Error) return (value.stack && String(value.stack)) || value.name + ': ' + value.message
  if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]'
  try {
    if (Array.isArray(value)) return '[ ' + value.map((each) => format(each, depth + 1)).join(', ') + ' ]'
    const keys = Object.keys(value)
    return '{ ' + keys.map((key) => key + ': ' + format(value[key], depth + 1)).join(', ') + ' }'
  } catch (error) {
    return '[unprintable]'
  }
}
const line = (args) => args.map((each) => format(each, 0)).join(' ')
const log = (level) => (...args) => tell('log', [level, line(args)])
const counters = new Map()
const started = new Map()
globalThis.console = FROZEN({
  log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), trace: log('debug'),
  dir: log('log'), table: log('log'),
  assert: (condition, ...args) => { if (!condition) log('error')('Assertion failed', ...args) },
  count: (label = 'default') => { const n = (counters.get(label) || 0) + 1; counters.set(label, n); log('log')(label + ': ' + n) },
  time: (label = 'default') => { started.set(label, Date.now()) },
  timeEnd: (label = 'default') => { const t = started.get(label); started.delete(label); if (t !== undefined) log('log')(label + ': ' + (Date.now() - t) + 'ms') },
})

// Timers run on the host's clock; a call's timers are cleared when it ends, so one call's callbacks never run in the next.
let nextTimer = 1
function reportLate(error) { tell('uncaught', [{ name: String(error && error.name || 'Error'), message: String(error && error.message || error), stack: String(error && error.stack || '') }]) }
function schedule(callback, ms, args, repeat) {
  if (typeof callback !== 'function') throw new TypeError('the callback must be a function')
  const owner = current
  const id = nextTimer++
  const timers = timersOf.get(owner) || new Set()
  timersOf.set(owner, timers)
  timers.add(id)
  const wait = Math.max(0, Number(ms) || 0)
  const tick = () => callAsync('sleep', [wait]).then(() => {
    if (!timers.has(id)) return
    const previous = current
    current = owner
    try { callback(...args) } catch (error) { reportLate(error) } finally { current = previous }
    if (repeat && timers.has(id)) tick()
    else timers.delete(id)
  }, () => timers.delete(id))
  tick()
  return id
}
function clear(id) { for (const timers of timersOf.values()) timers.delete(id) }
globalThis.setTimeout = (callback, ms, ...args) => schedule(callback, ms, args, false)
globalThis.setInterval = (callback, ms, ...args) => schedule(callback, ms, args, true)
globalThis.setImmediate = (callback, ...args) => schedule(callback, 0, args, false)
globalThis.clearTimeout = clear
globalThis.clearInterval = clear
globalThis.clearImmediate = clear
globalThis.queueMicrotask = (callback) => { Promise.resolve().then(() => { try { callback() } catch (error) { reportLate(error) } }) }

const randomBytes = (n) => callSync('random', [n])
globalThis.crypto = FROZEN({
  getRandomValues(array) {
    const bytes = randomBytes(array.byteLength)
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes)
    return array
  },
  randomUUID() {
    const b = randomBytes(16)
    b[6] = (b[6] & 0x0f) | 0x40
    b[8] = (b[8] & 0x3f) | 0x80
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20)
  },
})
const origin = Date.now()
globalThis.performance = FROZEN({ now: () => Date.now() - origin, timeOrigin: origin })
`

// Modules, the cloud SDK and calls: the part that talks to the executor.
const RUNTIME = String.raw`
const defined = new Map()
const instances = new Map()
globalThis.__scrapingRunDefine = (key, wrapper) => { defined.set(key, wrapper) }

const shared = FROZEN({
  get: (key) => callSync('shared', ['get', key]),
  set(key, value) { callSync('shared', ['set', key, value]); return shared },
  has: (key) => callSync('shared', ['has', key]),
  delete: (key) => callSync('shared', ['delete', key]),
  clear: () => { callSync('shared', ['clear']) },
  keys: () => callSync('shared', ['keys'])[Symbol.iterator](),
  get size() { return callSync('shared', ['keys']).length },
})
function bucket(name) {
  const call = (method) => (...args) => callAsync('storage', [name, method, ...args])
  return FROZEN({
    name, readFile: call('readFile'), writeFile: call('writeFile'), deleteFile: call('deleteFile'), deleteFiles: call('deleteFiles'),
    exists: call('exists'), stat: call('stat'), copyFile: call('copyFile'), listFiles: call('listFiles'),
    externalUrl: (key) => callSync('storage', [name, 'externalUrl', key]), internalUrl: (key) => callSync('storage', [name, 'internalUrl', key]),
    getUploadUrl: call('getUploadUrl'), getDownloadUrl: call('getDownloadUrl'),
    async *listAll(options = {}) {
      let cursor
      do {
        const page = await callAsync('storage', [name, 'listFiles', cursor ? { ...options, cursor } : options])
        yield* page.files
        cursor = page.nextCursor
      } while (cursor)
    },
  })
}
const storage = FROZEN({ bucket })
const cloud = FROZEN({
  database(options) {
    callSync('database', [options === undefined ? null : options])
    return createDatabaseFacade(options === undefined ? null : options)
  },
  get mongo() {
    callSync('mongo', ['check'])
    return mongo
  },
  invoke: (name, params) => callAsync('invoke', [name, params || {}]),
  getToken: (payload, options) => callSync('token', ['get', payload, options]),
  parseToken: (token, options) => callSync('token', ['parse', token, options]),
  get storage() { callSync('storage', []); return storage },
  get env() { return callSync('env', []).env },
  get appid() { return callSync('env', []).appid },
  // The LAF profile's axios-like cloud.fetch, over this isolate's fetch; absent without the profile.
  get fetch() { return callSync('env', []).laf ? (lafFetch ??= createLafFetch((url, init) => globalThis.fetch(url, init))) : undefined },
  sockets: createSocketsFacade((action, args) => callSync('sockets', [action, ...args])),
  shared,
})
// cloud.mongo: collection methods and cursors as data, run on the host's driver. ObjectIds cross as {$oid} and are
// ObjectId objects here (hex string in JSON, as the driver's own).
class ObjectId {
  #hex
  constructor(hex) {
    const value = hex === undefined ? callSync('mongo', ['objectId']) : String(hex && hex.toHexString ? hex.toHexString() : hex)
    if (!/^[0-9a-f]{24}$/i.test(value)) throw new TypeError('an ObjectId is 24 hex characters')
    this.#hex = value.toLowerCase()
  }
  toHexString() { return this.#hex }
  toString() { return this.#hex }
  toJSON() { return this.#hex }
  equals(other) { return other != null && String(other.toHexString ? other.toHexString() : other).toLowerCase() === this.#hex }
  getTimestamp() { return new Date(parseInt(this.#hex.slice(0, 8), 16) * 1000) }
  static isValid(value) { return /^[0-9a-f]{24}$/i.test(String(value && value.toHexString ? value.toHexString() : value)) }
}
function toHost(value, depth = 0) {
  if (depth > 64 || typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value
  if (value instanceof ObjectId) return { $oid: value.toHexString() }
  if (value instanceof RegExp) return value
  if (Array.isArray(value)) return value.map((each) => toHost(each, depth + 1))
  const out = {}
  for (const key of Object.keys(value)) out[key] = toHost(value[key], depth + 1)
  return out
}
function fromHost(value, depth = 0) {
  if (depth > 64 || typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value
  if (Array.isArray(value)) return value.map((each) => fromHost(each, depth + 1))
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0] === '$oid') return new ObjectId(value.$oid)
  for (const key of keys) value[key] = fromHost(value[key], depth + 1)
  return value
}
function collection(name) {
  const call = (method) => async (...args) => fromHost(await callAsync('mongo', ['collection', name, method, args.map((each) => toHost(each))]))
  const cursor = (method, args) => {
    const steps = []
    const self = {
      toArray: async () => fromHost(await callAsync('mongo', ['cursor', name, method, args.map((each) => toHost(each)), steps])),
      async *[Symbol.asyncIterator]() { yield* await self.toArray() },
    }
    for (const step of ['sort', 'limit', 'skip', 'project', 'batchSize', 'maxTimeMS']) self[step] = (...stepArgs) => { steps.push([step, stepArgs.map((each) => toHost(each))]); return self }
    return self
  }
  const methods = { collectionName: name, find: (filter = {}, options = {}) => cursor('find', [filter, options]), aggregate: (pipeline = [], options = {}) => cursor('aggregate', [pipeline, options]) }
  for (const method of ['findOne', 'insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'countDocuments', 'estimatedDocumentCount', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace', 'distinct', 'bulkWrite']) methods[method] = call(method)
  return FROZEN(methods)
}
const mongo = FROZEN({ db: FROZEN({ collection: (name) => collection(String(name)), get databaseName() { return callSync('mongo', ['databaseName']) } }), ObjectId })
globalThis.ObjectId = ObjectId
globalThis.awslambda = awslambda
const cloudModule = FROZEN({ default: cloud, cloud, sse, sseEvent, awslambda, __esModule: true })
const kit = createStreamKit(sseEvent)
globalThis.process = FROZEN({ get env() { return callSync('env', []).env }, nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)), platform: 'isolate', version: 'isolate', versions: FROZEN({}) })

// The query builder runs on the host; here each chain is recorded and replayed there by its terminal call.
function createDatabaseFacade(options) {
  const TERMINAL = new Set(['get', 'getOne', 'count', 'add', 'update', 'set', 'remove', 'end'])
  const chain = (steps) => new Proxy(function () {}, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined
      if (TERMINAL.has(key)) return (...args) => callAsync('database', [options, { chain: [...steps, [key, args]] }])
      return (...args) => chain([...steps, [key, args]])
    },
  })
  // db.command.gt(5).and(db.command.lt(9)): each expression is its steps, replayed on the host's db.command.
  // The chaining methods are not enumerable, so only the steps are copied to the host.
  const expression = (steps) => FROZEN(Object.defineProperties({ $$command: steps }, {
    and: { value: (...more) => expression([...steps, ['and', more]]) },
    or: { value: (...more) => expression([...steps, ['or', more]]) },
  }))
  const command = new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? (...args) => expression([[key, args]]) : undefined) })
  return FROZEN({ collection: (name) => chain([['collection', [name]]]), command, ObjectId: (id) => ({ $$objectId: id === undefined ? null : String(id) }) })
}

function instantiate(key, imports, chain) {
  const existing = instances.get(key)
  if (existing) {
    if (existing.loading) { const e = new Error('circular import between functions: ' + [...chain, key.split('@')[0]].join(' → ')); e.code = 'CIRCULAR_IMPORT'; throw e }
    return existing.module.exports
  }
  const wrapper = defined.get(key)
  const module = { exports: {} }
  const instance = { module, loading: true }
  instances.set(key, instance)
  const name = key.slice(0, key.lastIndexOf('@'))
  const require = (specifier) => {
    if (specifier === '@scraping-run/cloud' || specifier === '@lafjs/cloud') return cloudModule
    const target = imports[key] && imports[key][specifier]
    if (target) return instantiate(target, imports, [...chain, name])
    const error = new Error(specifier.startsWith('@/') || specifier.startsWith('.')
      ? name + ' imports ' + specifier + ', which is not a known function (imports must be static strings)'
      : name + ' imports "' + specifier + '", which the isolate sandbox does not provide (no host modules in an isolate)')
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  try {
    wrapper.call(module.exports, module.exports, require, module, name, '/')
    return module.exports
  } catch (error) {
    instances.delete(key)
    throw error
  } finally {
    instance.loading = false
  }
}

function describeError(error) {
  const read = (get) => { try { return get() } catch (e) { return undefined } }
  const message = read(() => error.message)
  if (typeof error === 'object' && error !== null && typeof message === 'string') {
    const code = read(() => error.code)
    const stack = read(() => error.stack)
    const name = read(() => error.name)
    return { message: message || String(name || 'Error'), name: typeof name === 'string' ? name : 'Error', code: typeof code === 'string' ? code : undefined, stack: typeof stack === 'string' ? stack : undefined }
  }
  if (error === undefined) return { message: 'the function threw undefined' }
  if (typeof error === 'string') return { message: error }
  const text = read(() => JSON.stringify(error)) ?? read(() => String(error))
  return { message: typeof text === 'string' ? 'the function threw a non-Error value: ' + text.slice(0, 500) : 'the function threw a value that cannot be described' }
}

// Results leave the isolate as data made here: a toJSON, getter or then of the function's runs inside, never on the host.
function packResult(value) {
  if (value === undefined) return { kind: 'undefined' }
  if (typeof value === 'string') return { kind: 'string', value }
  if (value instanceof Uint8Array) return { kind: 'bytes', value: new Uint8Array(value) }
  if (value instanceof ArrayBuffer) return { kind: 'bytes', value: new Uint8Array(value.slice(0)) }
  let json
  try {
    json = JSON.stringify(value)
  } catch (error) {
    const circular = error instanceof TypeError && /circular|BigInt/i.test(String(error.message))
    return { error: { ...describeError(error), code: circular ? 'INVALID_RESULT' : undefined, message: 'the function returned a value that cannot be sent as JSON: ' + error.message } }
  }
  if (json === undefined) return { error: { code: 'INVALID_RESULT', message: 'the function returned a ' + typeof value + ', which cannot be sent' } }
  return { kind: 'json', value: json }
}

const entries = new Map()
function selectEntry(exports) {
  if (typeof exports === 'function') return ['default', exports]
  if (exports && typeof exports.default === 'function') return ['default', exports.default]
  if (exports && typeof exports.main === 'function') return ['main', exports.main]
  if (exports && typeof exports.handler === 'function') return ['handler', exports.handler]
  return undefined
}

function load(key, imports) {
  current = 'load:' + key.slice(0, key.lastIndexOf('@'))
  const exports = instantiate(key, imports, [])
  const entry = selectEntry(exports)
  if (!entry) { const e = new Error(key.slice(0, key.lastIndexOf('@')) + ' has no entry point: export a default function or a function named main'); e.code = 'NO_ENTRY_POINT'; throw e }
  entries.set(key, entry)
  let meta
  try { meta = exports.meta === undefined || typeof exports.meta === 'function' ? undefined : JSON.stringify(exports.meta) } catch (e) { meta = undefined }
  return { entry: entry[0], meta }
}

const signals = new Map()
async function run(id, key, plain, flags) {
  current = id
  const [kind, fn] = entries.get(key)
  const controller = new AbortController()
  signals.set(id, controller)
  // ctx.waitUntil work keeps this call (and its timers) alive after the result; the host waits for drain(id).
  const waits = []
  const waitUntil = (work) => { waits.push(Promise.resolve(work).then(() => undefined, (error) => tell('log', ['error', 'waitUntil work failed: ' + format(error, 0)]))) }
  const { extra, ...fields } = flags.json ? JSON.parse(plain) : plain
  const ctx = { ...fields, ...extra, signal: controller.signal, progress: (progress, total, message) => tell('progress', [progress, total, message]), waitUntil }
  if (flags.response) ctx.response = createResponseFacade((method, args) => callSync('response', [method, ...args]), (method, args) => callAsync('response', [method, ...args]))
  if (ctx.trigger && ctx.trigger.kind === 'websocket') {
    const connectionId = ctx.trigger.connectionId
    ctx.socket = FROZEN({ id: connectionId, user: ctx.user, readyState: 1, send: (data) => callSync('sockets', ['send', connectionId, data]), close: (code, reason) => { callSync('sockets', ['close', connectionId, code, reason]) } })
  }
  const next = () => callAsync('next', [{ body: ctx.body, query: ctx.query, headers: ctx.headers, user: ctx.user }])
  const signal = () => controller.signal
  let packed
  try {
    if (kind === 'handler') packed = packResult(await kit.callLambda(fn, ctx.lambda || { event: ctx.body ?? {}, context: {}, deadline: Date.now() + 30000 }, ctx.response, signal))
    else {
      const value = await (flags.interceptor ? fn(ctx, next) : fn(ctx))
      packed = packResult(kit.pending(value, ctx.response) ? await kit.settle(value, ctx.response, signal) : value)
    }
  } catch (error) {
    packed = { error: describeError(error) }
  }
  const finish = () => { signals.delete(id); timersOf.delete(id); if (current === id) current = '' }
  if (waits.length === 0) { finish(); return packed }
  const settle = async () => { while (waits.length) await Promise.all(waits.splice(0)) }
  draining.set(id, settle().then(() => { draining.delete(id); finish() }))
  return { ...packed, waiting: true }
}
const draining = new Map()
const drain = (id) => draining.get(id) || Promise.resolve()
function abort(id, reason) {
  const controller = signals.get(id)
  if (!controller) return
  const error = new Error(reason.message)
  error.code = reason.code
  error.name = 'RuntimeError'
  controller.abort(error)
}
return FROZEN({
  // Loading seals the isolate: no module can be defined after its function's own modules.
  load: (key, imports) => { try { return { ok: true, value: load(key, imports) } } catch (error) { return { ok: false, error: describeError(error) } } finally { delete globalThis.__scrapingRunDefine } },
  run,
  drain,
  abort,
})
`

/** The closure body the host evaluates once per isolate: `$0` is the bridge Reference. */
export const PRELUDE = `'use strict';\nconst createResponseFacade = ${RESPONSE_FACADE_SOURCE()}\nconst createLafFetch = (${createLafFetch.toString()})\nconst createSocketsFacade = (${createSocketsFacade.toString()})\n${CORE}\n${WEB_GLOBALS}\n${WEB_REQUEST}\n${STREAM_SOURCE()}\n${RUNTIME}`

/** The streaming helpers (cloud SDK's sse/sseEvent/awslambda and the stream kit), evaluated inside the isolate. */
function STREAM_SOURCE(): string {
  return [
    `const sseEvent = (${sseEvent.toString()})`,
    `const sse = (${sse.toString()})`,
    `const awslambda = FROZEN({ streamifyResponse: (${awslambda.streamifyResponse.toString()}), HttpResponseStream: FROZEN({ from: (${awslambda.HttpResponseStream.from.toString()}) }) })`,
    `const createStreamKit = (sseEvent) => { const tools = (${streamTools.toString()})(); return { ...(${createResultPipe.toString()})(tools, sseEvent), callLambda: (${createLambdaCaller.toString()})((${createLambdaStreams.toString()})(tools)) } }`,
  ].join('\n')
}

/** The facade factory's own source, evaluated inside the isolate (it uses no import and no host object). */
function RESPONSE_FACADE_SOURCE(): string {
  return `(${createResponseFacade.toString()})`
}
