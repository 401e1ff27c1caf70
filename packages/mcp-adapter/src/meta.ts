import { createHash } from 'node:crypto'
import { createContext, Script } from 'node:vm'
import type { McpFunctionRecord, McpToolMeta } from './types.js'

// runtime-core's executor has no way to hand out a module's exports, so an exported `meta` is read here: the source is
// compiled with runtime-core's compiler and evaluated once in a bare context where every import and host global is an
// inert stand-in. The function itself never runs, and its real module state (in the executor's sandbox) is untouched.

const EVAL_TIMEOUT_MS = 50
const MAX_CACHED = 1000
const cache = new Map<string, Promise<McpToolMeta | undefined>>()

/** A value that absorbs any use (property access, call, `new`), so top-level code such as `cloud.database()` does not throw. */
function inert(): unknown {
  const target = function () {}
  const proxy: unknown = new Proxy(target, {
    // Not a promise and not an ES-module namespace, so `await x` and the compiler's interop helpers treat it as a value.
    get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : key === 'then' || key === '__esModule' ? undefined : proxy),
    apply: () => proxy,
    construct: () => proxy as object,
    // No way from the stand-in to this realm's Function constructor.
    getPrototypeOf: () => null,
  })
  return proxy
}

// The module object and `require` are made inside the context, so the evaluated code holds no object of this realm.
const SETUP = `(stub, names) => {
  const module = { exports: {} }
  globalThis.module = module
  globalThis.exports = module.exports
  globalThis.require = () => stub
  for (const name of names) globalThis[name] = stub
  return module
}`
const STUBBED_GLOBALS = ['process', 'Buffer', 'console', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'fetch']

function evaluate(code: string, filename: string): unknown {
  const context = createContext({}, { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' })
  const setup = new Script(SETUP).runInContext(context) as (stub: unknown, names: string[]) => { exports: Record<string, unknown> }
  const module = setup(inert(), STUBBED_GLOBALS)
  try {
    new Script(code, { filename }).runInContext(context, { timeout: EVAL_TIMEOUT_MS })
  } catch {
    // Later top-level code may fail against the stand-ins; `meta` is usually defined before it.
  }
  try {
    const meta = module.exports.meta
    // A JSON round trip brings the object into this realm and drops anything that is not data.
    return meta === undefined ? undefined : JSON.parse(JSON.stringify(meta))
  } catch {
    return undefined
  }
}

async function read(record: McpFunctionRecord & { source: string }): Promise<McpToolMeta | undefined> {
  const { compileFunction } = await import('@scraping-run/runtime-core')
  const hash = record.hash ?? createHash('sha256').update(record.source).digest('hex')
  const compiled = await compileFunction({ name: record.name, source: record.source, language: record.language ?? 'ts', hash })
  const meta = evaluate(compiled.code, compiled.filename)
  return typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as McpToolMeta) : undefined
}

/** The `meta` a function's module exports (`export const meta = {description, inputSchema}`), or undefined. */
export function readModuleMeta(record: McpFunctionRecord): Promise<McpToolMeta | undefined> {
  const { source } = record
  // Cheap pre-check: most functions without the word never need compiling.
  if (typeof source !== 'string' || !/\bmeta\b/.test(source)) return Promise.resolve(undefined)
  const key = `${record.name}\0${record.hash ?? source}`
  let pending = cache.get(key)
  if (!pending) {
    pending = read({ ...record, source })
    cache.set(key, pending)
    pending.catch(() => cache.delete(key))
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string)
  }
  return pending
}
