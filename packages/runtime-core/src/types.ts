import type { CloudStorage, FunctionContext, TokenPayload, Trigger, UploadedFile } from '@scraping-run/cloud'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Db, MongoClient } from 'mongodb'
import type { DatabaseOptions, Db as Database } from '@scraping-run/cloud'
import type { InvokeError } from './errors.js'
import type { EntryKind, JsonValue, Sandbox } from './sandbox/protocol.js'

export type FunctionLanguage = 'ts' | 'js'

/** What a store is given (the hash is optional: the store computes it). */
export interface FunctionRecordInput {
  name: string
  source: string
  language?: FunctionLanguage
  /** HTTP methods the function answers; absent = all. */
  methods?: string[]
  description?: string
  /** JSON Schema of the body (used by the MCP adapter). */
  inputSchema?: Record<string, unknown>
  timeoutMs?: number
  /** CPU time one call may use, where the sandbox can measure it (isolateSandbox); overrides its `cpuTimeMs`. */
  cpuTimeMs?: number
  /** A cron pattern the scheduler runs the function on (`createScheduler`), e.g. `'0 * * * *'`; with `timezone` (IANA). */
  schedule?: string
  timezone?: string
  /** MCP tool metadata (the adapter also reads them from the module's `meta`). */
  title?: string
  annotations?: Record<string, unknown>
  outputSchema?: Record<string, unknown>
}

/** A stored function. `hash` changes whenever anything that affects running it changes. */
export interface FunctionRecord extends FunctionRecordInput {
  hash: string
}

export type FunctionStoreEvent = { type: 'set'; name: string; hash: string } | { type: 'delete'; name: string }
export type FunctionStoreListener = (event: FunctionStoreEvent) => void

/** Where functions come from. `watch` is how hot reload reaches the executor's cache. */
export interface FunctionStore {
  list(): Promise<FunctionRecord[]>
  get(name: string): Promise<FunctionRecord | undefined>
  /** Calls `listener` after a function is added, changed or removed; returns an unsubscribe function. */
  watch(listener: FunctionStoreListener): () => void
  /** Releases watchers and connections. */
  close?(): Promise<void> | void
}

/** Compiled CommonJS code and its source map. */
export interface CompiledFunction {
  name: string
  hash: string
  /** The file name stack traces and logs use, e.g. `hello.ts`. */
  filename: string
  code: string
  /** Source map (JSON string) from `code` back to the source. */
  map: string
  /** Specifiers of other functions this one imports (`@/x`, `./y`), resolved to function names. */
  imports: Record<string, string>
  /** Every other specifier it imports (npm packages, Node built-ins), as written. */
  packages?: string[]
}

/** What a sandbox loads: one compiled function plus the compiled functions it imports (already resolved by the executor). */
export interface LoadUnit {
  compiled: CompiledFunction
  /** Import specifier (`@/x`, `./y`) → the unit it resolves to. */
  imports: Record<string, LoadUnit>
}

export type LogLevel = 'debug' | 'info' | 'log' | 'warn' | 'error'

/** Where a sandbox sends `console.*` calls of the current invocation. Arguments are formatted by the host. */
export type ConsoleBridge = (level: LogLevel, args: unknown[]) => void

export type { Sandbox } from './sandbox/protocol.js'

export interface LogRecord {
  level: LogLevel
  /** ISO timestamp. */
  time: string
  message: string
  requestId: string
  functionName: string
}

/** One record per invocation. */
export interface InvocationLog {
  functionName: string
  requestId: string
  trigger: Trigger
  cold: boolean
  /** When the invocation started (a `Date`, so MongoDB's TTL index can expire it). */
  startedAt: Date
  durationMs: number
  status: 'ok' | 'error'
  error?: InvokeError
  logs: LogRecord[]
  /** Memory the invocation used, from sandboxes that can measure it (isolates); absent otherwise. */
  memory?: { usedBytes: number; limitBytes?: number }
  /** Isolate sandboxes: whether the call got a fresh isolate or a warm one. */
  isolate?: 'new' | 'warm'
  /** The W3C `traceparent` header the call came with, so a tracing sink can parent its span. */
  traceparent?: string
}

export interface LogSink {
  /** Shown in warnings about this sink (`mongo`, `console`, …). */
  readonly name?: string
  write(record: InvocationLog): void | Promise<void>
  close?(): void | Promise<void>
}

/** Called when a sink throws or rejects; never fails the invocation. */
export type SinkErrorHandler = (error: unknown, sink: LogSink, record?: InvocationLog) => void

export type Interceptor = (ctx: FunctionContext, next: () => Promise<unknown>) => unknown

/** What an entry point passes to `executor.invoke`. Everything is optional. */
export interface InvokeInit {
  body?: unknown
  query?: Record<string, unknown>
  headers?: Record<string, string | string[] | undefined>
  method?: string
  path?: string
  user?: TokenPayload | null
  /** Default `{kind: 'invoke', caller: null}`. Every entry point passes its own kind. */
  trigger?: Trigger
  /**
   * The entry point's own check of the resolved record, before any interceptor runs (the HTTP entry point refuses
   * methods the record does not list here). Throw a `RuntimeError` to refuse the call.
   */
  check?: (record: FunctionRecord) => void
  /** Aborts the invocation (the function sees it as `ctx.signal`, which also aborts on timeout). */
  signal?: AbortSignal
  requestId?: string
  files?: UploadedFile[]
  request?: IncomingMessage
  response?: ServerResponse
  /** Called live with each console record of the invocation (the MCP adapter turns them into log notifications). */
  onLog?: (record: LogRecord) => void
  /** Called when the function reports progress with `ctx.progress(progress, total?, message?)`; without it that is a no-op. */
  onProgress?: (progress: InvokeProgress) => void
  /** Runs this source instead of the stored one (debug mode); `check` is not called. */
  debugSource?: { source: string; language?: FunctionLanguage }
  /** The request body's bytes as received (a Lambda-style handler's event carries them as `body`/`isBase64Encoded`). */
  rawBody?: Uint8Array
  /**
   * The HTTP entry point's routing: when no function has this exact name, the longest function name that prefixes the
   * path (`items` for `items/42`) is called, then `__default__`. The rest of the path is `subpath`.
   */
  matchPrefix?: boolean
  /** The part of the path after the called function's name (`42` for `items/42`); set by `matchPrefix` routing. */
  subpath?: string
}

export interface InvokeProgress {
  progress: number
  total?: number
  message?: string
}

export interface InvokeResult<T = unknown> {
  data?: T
  error?: InvokeError
  durationMs: number
  logs: LogRecord[]
  /** True when this call had to compile or load the function. */
  cold: boolean
  requestId: string
  /** An HTTP call of a Lambda-style handler: the event format, so the entry point maps `{statusCode, body, …}` back. */
  lambda?: 'v1' | 'v2' | 'url'
}

export type MongoOption = { client: MongoClient; db?: Db | string } | { uri: string; dbName?: string }

export interface ExecutorOptions {
  store: FunctionStore
  sandbox?: Sandbox
  /** Default 30000; a record's `timeoutMs` overrides it. */
  timeoutMs?: number
  jwtSecret?: string
  mongo?: MongoOption
  /** A `@scraping-run/storage` instance (anything with `bucket(name)`). */
  storage?: CloudStorage
  /**
   * What `cloud.database(options)` returns, e.g. `createDatabaseProvider({db, proxy})` from `@scraping-run/db-proxy` (pass your
   * proxy so `{policy}` uses the same policies as the HTTP endpoint). Default with `mongo`: one over `mongo`'s database.
   */
  database?: (options: DatabaseOptions | undefined, user: TokenPayload | null) => Database
  appid?: string
  env?: Record<string, string | undefined>
  /** One sink or several; each gets every record. A failing sink never fails an invocation. */
  logSink?: LogSink | LogSink[]
  /** Told when a sink throws or rejects (default: a warning, at most once per sink per minute). */
  onSinkError?: SinkErrorHandler
  interceptors?: Interceptor[]
  /** Per-invocation console cap. Default 1000 lines or 256 KB, then one "truncated" record. */
  logLimits?: { maxLines?: number; maxBytes?: number }
  /** Also print functions' console output to the host's stdout/stderr as it happens, tagged `[name]`. Default false. */
  logToStdout?: boolean
  /** Maximum `cloud.invoke` nesting. Default 16. */
  maxInvokeDepth?: number
  /**
   * Default true: while the executor is open, a process-wide `uncaughtException` listener hands an exception raised in a
   * function's async work (an `'error'` event nobody listens to, a throw in a stream callback) to that invocation, which
   * fails with FUNCTION_ERROR, instead of letting it end the process. Exceptions from outside functions are left alone.
   */
  guardProcess?: boolean
  /**
   * LAF's profile, for an app moved off LAF (default false): functions also get `ctx.__function_name`, `ctx.auth` (the
   * JWT payload), `ctx.request.params.name` and `cloud.fetch` (axios-like), and the default `cloud.database()` stores
   * hex-string `_id`s and matches both id forms. Pair it with `laf: true` on the HTTP handler and on `createDbProxy`.
   */
  laf?: boolean
}

/** What `executor.describe()` reports per function: the stored record, and what loading its module in the sandbox said. */
export interface FunctionInfo extends FunctionRecord {
  /** Which export is the entry point; absent when the module did not load. */
  entry?: EntryKind
  /** The module's exported `meta`, as JSON. */
  meta?: JsonValue
  /** Why the module did not load (compile error, top-level throw, no entry point, …). */
  error?: { code: string; message: string }
}

export type ExecutorEvent = FunctionStoreEvent | { type: 'reload'; name?: string }

export interface Executor {
  readonly store: FunctionStore
  readonly sandbox: Sandbox
  invoke<T = unknown>(name: string, init?: InvokeInit): Promise<InvokeResult<T>>
  /** Every function (or the one named), with its entry shape and exported `meta` as the sandbox reported them. */
  describe(name?: string): Promise<FunctionInfo[]>
  /** Adds an interceptor after those already registered. Returns a function that removes it. */
  use(interceptor: Interceptor): () => void
  /** Drops cached code (one function and its importers, or everything) so the next call recompiles. */
  reload(name?: string): Promise<void>
  /** Calls `listener` after a function changed in the store (after the cache was evicted) or was reloaded. */
  watch(listener: (event: ExecutorEvent) => void): () => void
  /** Resolves when `__init__` (if any) has run. */
  ready(): Promise<void>
  /** Signs and verifies JWTs with the executor's secret. */
  getToken(payload: TokenPayload, options?: { expiresIn?: number | string }): string
  parseToken(token: string | null | undefined): TokenPayload | null
  close(): Promise<void>
}
