// The sandbox boundary. Everything that crosses it is plain data — JSON values plus `Uint8Array` for bytes — so a sandbox
// can live in another realm, isolate or process. The host reaches the sandbox through `load`/`run`/`abort`/`unload`; the
// function reaches the host only through `bridge.call(invocationId, op, args)`.
import type { TokenPayload, Trigger } from '@scraping-run/cloud'
import type { LoadUnit } from '../types.js'

/** Which export a module's entry point is: `export default`, `export function main`, or a Lambda-style `export const handler`. */
export type EntryKind = 'default' | 'main' | 'handler'

/** A JSON value (what `meta` and bridge arguments are copied as). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** What `load()` reports about a module it evaluated once. The sandbox keeps the module itself; the host keeps this. */
export interface SandboxModule {
  name: string
  hash: string
  entry: EntryKind
  /** The module's exported `meta`, copied as JSON (absent when it exports none or it is not JSON). */
  meta?: JsonValue
}

/** A multipart file as it crosses: bytes, not a Buffer of the host. */
export interface PlainFile {
  fieldname: string
  originalname: string
  mimetype: string
  encoding: string
  size: number
  buffer: Uint8Array
}

/** The context of one invocation as data. A sandbox builds the function's `ctx` from it (adding `signal` and `response`). */
export interface PlainContext {
  requestId: string
  functionName: string
  method: string
  path: string
  query: Record<string, unknown>
  /** JSON, a string, `Uint8Array` (raw body) or undefined. */
  body: unknown
  headers: Record<string, string | string[] | undefined>
  user: TokenPayload | null
  trigger: Trigger
  env: Record<string, string | undefined>
  files?: PlainFile[]
  /** Set when the module's entry is a Lambda-style `handler`: the event, the context's data and the call's deadline. */
  lambda?: { event: unknown; context: Record<string, unknown>; deadline: number }
  /** More fields the sandbox sets on `ctx` as they are (the LAF profile's `__function_name`, `auth`, a plain `request`). */
  extra?: Record<string, unknown>
}

/**
 * Host objects, handed only to a sandbox that declared `capabilities.hostObjects` (vm). Never to an isolate.
 */
export interface HostObjects {
  request?: import('node:http').IncomingMessage
  response?: import('node:http').ServerResponse
}

/** One call of a loaded module. */
export interface SandboxCall {
  /** Unique per invocation (and per `__interceptor__` link of it): the key every bridge call and abort message carries. */
  invocationId: string
  ctx: PlainContext
  /** `__interceptor__` gets `next` as its second argument; calling it is `bridge.call(id, 'next', [])`. */
  interceptor?: boolean
  /** The HTTP response can be driven through the bridge (`op: 'response'`): the sandbox gives `ctx.response` a facade. */
  response?: boolean
  host?: HostObjects
}

export interface SandboxLimits {
  /** Wall-clock limit of the call; the executor also enforces it from outside and sends `abort`. */
  timeoutMs: number
  /** CPU time the call may use (the function's own thread, not time spent waiting); sandboxes that cannot measure it ignore it. */
  cpuTimeMs?: number
}

/**
 * The operations a function can ask the host for. `args` and results are plain data.
 * - `invoke` [name, {body, query, headers, method, user?}] → the callee's data (errors come back as `{code, message}` throws)
 * - `database` [options | null, DbRequest] → DbResponse (the query builder runs in the sandbox, requests run on the host)
 * - `storage` [bucket, method, ...args] → the bucket method's result (bytes as Uint8Array)
 * - `token` ['get', payload, options?] → string; ['parse', token, options?] → payload | null
 * - `env` [] → `{appid, env}` of the executor
 * - `log` [level, ...args] → nothing (args are formatted on the host; an isolate sends strings)
 * - `uncaught` [error] → nothing: an error thrown in one of the function's callbacks; it fails the invocation while that
 *   runs, and is logged under the function's name after it ended
 * - `next` [] → what the rest of the interceptor chain returned
 * - `response` [method, ...args] → the response facade's state after the call ({statusCode, headersSent, writableEnded,
 *   needDrain}); ['drain'] resolves with it once the response drained (or closed)
 * - `mongo` [] → the native `{client, db}` for `hostObjects` sandboxes; [action, …] → a collection call as data for others
 * - `progress` [progress, total?, message?] → nothing: `ctx.progress(…)`, to the entry point (MCP progress notifications)
 * - `sockets` [action, …] → `cloud.sockets`: ['list'] → [{id, user}], ['size'] → number, ['get', id] → {id, user} | null,
 *   ['send', id, data] → boolean, ['close', id, code?, reason?], ['broadcast', data, exceptIds] → how many got it
 * - `stats` [{isolate: 'new' | 'warm', usedBytes, limitBytes?}] → nothing: what the call cost, for the invocation log
 */
export type BridgeOp = 'invoke' | 'database' | 'storage' | 'token' | 'env' | 'log' | 'uncaught' | 'next' | 'response' | 'mongo' | 'progress' | 'stats' | 'sockets'

/** The only way back from a function to the host. */
export interface SandboxBridge {
  call(invocationId: string, op: BridgeOp, args: unknown[]): unknown
}

/** What a sandbox can take. Only a sandbox with `hostObjects` gets raw `ctx.request`/`ctx.response` and native `cloud.mongo`. */
export interface SandboxCapabilities {
  hostObjects: boolean
}

/** Runs compiled functions behind the plain-data boundary above. Every implementation passes `testSandbox()`. */
export interface Sandbox {
  readonly kind: string
  readonly capabilities: SandboxCapabilities
  /** Evaluates a module once (its state lives until `unload`) and reports its entry shape and `meta`. */
  load(unit: LoadUnit, bridge: SandboxBridge): SandboxModule | Promise<SandboxModule>
  /** Runs the module's entry with the call's context; resolves with the function's result. */
  run(module: SandboxModule, call: SandboxCall, limits: SandboxLimits, bridge: SandboxBridge): Promise<unknown>
  /** An abort message: the call timed out or its caller went away; the function sees it as `ctx.signal`. */
  abort(invocationId: string, reason: { code: string; message: string }): void
  /** Forgets every loaded copy of these functions (their module state too). */
  unload(names: string[]): void
  dispose(): Promise<void> | void
}

/** The state a response facade mirrors after each `response` op. */
export interface ResponseState {
  statusCode: number
  headersSent: boolean
  writableEnded: boolean
  /** The last write filled the socket's buffer: wait for 'drain' (the `response` op `['drain']` resolves then). */
  needDrain?: boolean
}
