import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { Db as MongoDb, MongoClient } from 'mongodb'
import type { Db } from './query/db.js'

/** What started an invocation. Entry points add their own fields (`tool` for MCP, `caller` for invoke, …). */
export type TriggerKind = 'http' | 'invoke' | 'cron' | 'websocket' | 'mcp' | 'init' | 'lambda'

/** An HTTP request (the HTTP entry point checks the record's `methods` for these only). */
export interface HttpTrigger {
  kind: 'http'
}
/** `cloud.invoke` from another function (`caller` is its name), or `executor.invoke` from host code (`caller: null`). */
export interface InvokeTrigger {
  kind: 'invoke'
  caller: string | null
}
/** A scheduled run: the schedule's name and the ISO time it was due. */
export interface CronTrigger {
  kind: 'cron'
  name: string
  scheduledAt: string
}
export interface WebSocketTrigger {
  kind: 'websocket'
  event: 'connection' | 'message' | 'close'
  connectionId: string
}
/** An MCP `tools/call`; `tool` is the tool name the client used. */
export interface McpTrigger {
  kind: 'mcp'
  tool: string
}
/** `__init__`, run once when the executor starts. */
export interface InitTrigger {
  kind: 'init'
}
/** A Lambda-style invocation; `version` is the event format (`'2.0'`, `'1.0'`, `'url'`). */
export interface LambdaTrigger {
  kind: 'lambda'
  version: string
}

/** What started an invocation: switch on `kind` and TypeScript knows the other fields. */
export type Trigger = HttpTrigger | InvokeTrigger | CronTrigger | WebSocketTrigger | McpTrigger | InitTrigger | LambdaTrigger

/** A JWT payload as `parseToken` returns it. */
export interface TokenPayload {
  uid?: string
  type?: string
  exp?: number
  iat?: number
  [claim: string]: unknown
}

export interface TokenOptions {
  /** Overrides the runtime's secret. */
  secret?: string
  /** Seconds, or a duration such as `'2h'`. Default: the payload's own `exp`, else 7 days. */
  expiresIn?: number | string
}

export interface ParseTokenOptions {
  secret?: string
}

/** A file from a multipart request body. */
export interface UploadedFile {
  fieldname: string
  originalname: string
  mimetype: string
  encoding: string
  size: number
  buffer: Buffer
}

/** What a function receives. Every entry point (HTTP, invoke, cron, WebSocket, MCP, init, Lambda) builds one. */
export interface FunctionContext<TBody = any, TUser extends TokenPayload = TokenPayload> {
  requestId: string
  functionName: string
  method: string
  path: string
  query: Record<string, unknown>
  body: TBody
  headers: Record<string, string | string[] | undefined>
  /** The verified JWT payload of `Authorization: Bearer …`, or `null`. */
  user: TUser | null
  files?: UploadedFile[]
  /** The raw HTTP request, for HTTP triggers only. */
  request?: IncomingMessage
  /** The raw HTTP response; a function that ends it itself is left alone by the runtime. */
  response?: ServerResponse
  trigger: Trigger
  /** WebSocket events only: the event's own connection (LAF's `ctx.socket`); `send` is `false` once it is gone. */
  socket?: CloudSocket
  env: Record<string, string | undefined>
  /** Aborted when the caller gives up (timeout, disconnect, MCP cancellation). */
  signal?: AbortSignal
  /**
   * Reports progress to the caller: MCP progress notifications when the client asked for them, a no-op over plain HTTP.
   * Runtimes always provide it.
   */
  progress(progress: number, total?: number, message?: string): void
  /**
   * Work that goes on after the result is sent (Cloudflare Workers' contract): still bounded by the function's timeout,
   * its failure logged with the request id, awaited by `executor.close()`.
   */
  waitUntil(work: Promise<unknown>): void
}

/** A cloud function: `export default async function (ctx) { … }`. */
export type FunctionHandler<TBody = any, TResult = unknown> = (ctx: FunctionContext<TBody>) => TResult | Promise<TResult>

/** What `cloud.invoke(name, params)` passes on to the other function's context. */
export interface InvokeParams<TBody = unknown> {
  body?: TBody
  query?: Record<string, unknown>
  headers?: Record<string, string | string[] | undefined>
  method?: string
  user?: TokenPayload | null
}

export interface FileStat {
  size: number
  etag?: string
  contentType?: string
  lastModified?: Date
  metadata: Record<string, string>
}

export interface FileEntry {
  key: string
  size: number
  etag?: string
  lastModified?: Date
}

export interface ListFilesOptions {
  prefix?: string
  delimiter?: string
  limit?: number
  cursor?: string
}

export interface ListFilesResult {
  files: FileEntry[]
  prefixes: string[]
  nextCursor?: string
}

export type FileBody = string | Buffer | Uint8Array | Readable | Blob

export interface WriteFileOptions {
  contentType?: string
  cacheControl?: string
  metadata?: Record<string, string>
}

/** One bucket, as `@scraping-run/storage` implements it. */
export interface CloudBucket {
  readonly name: string
  readFile(key: string, options?: { range?: string }): Promise<Buffer>
  readFile(key: string, options: { encoding: BufferEncoding; range?: string }): Promise<string>
  readStream(key: string): Promise<Readable>
  writeFile(key: string, body: FileBody, options?: WriteFileOptions): Promise<{ etag?: string }>
  deleteFile(key: string): Promise<void>
  deleteFiles(keys: string[]): Promise<void>
  exists(key: string): Promise<boolean>
  stat(key: string): Promise<FileStat | null>
  copyFile(from: string, to: string): Promise<void>
  listFiles(options?: ListFilesOptions): Promise<ListFilesResult>
  listAll(options?: { prefix?: string }): AsyncIterable<FileEntry>
  externalUrl(key: string): string
  internalUrl(key: string): string
  getUploadUrl(key: string, options?: { expiresIn?: number; contentType?: string }): Promise<string>
  getDownloadUrl(key: string, options?: { expiresIn?: number; filename?: string }): Promise<string>
}

export interface CloudStorage {
  bucket(name: string): CloudBucket
}

/** The native driver objects, for code that wants the full MongoDB API. */
export interface CloudMongo {
  client: MongoClient
  db: MongoDb
}

/** One live WebSocket connection as a function sees it (never the raw socket: a handle that works in every sandbox). */
export interface CloudSocket {
  /** The connection's id, as in `ctx.trigger.connectionId`. */
  readonly id: string
  /** The user its Bearer token (or `authenticate`) gave it, or `null`. */
  readonly user: TokenPayload | null
  /** `1` (OPEN) when the handle was taken; handles are snapshots of the live set. */
  readonly readyState: number
  /** Sends text (a string), bytes (`Uint8Array`, `ArrayBuffer`) or any other value as its JSON. `false` when the connection is gone. */
  send(data: unknown): boolean
  close(code?: number, reason?: string): void
}

/**
 * `cloud.sockets`: the live connections of the WebSocket entry points attached to this runtime (empty without one).
 * Iterable like LAF's `Set<WebSocket>` (`cloud.sockets.forEach((socket) => socket.send(text))` works as on LAF).
 */
export interface CloudSockets extends Iterable<CloudSocket> {
  /** How many connections are open. */
  readonly size: number
  forEach(callback: (socket: CloudSocket) => void): void
  values(): IterableIterator<CloudSocket>
  get(id: string): CloudSocket | undefined
  has(id: string): boolean
  /** Sends to one connection; `false` when it is gone. */
  send(id: string, data: unknown): boolean
  /** Sends to every connection (but `except`); returns how many it was sent to. */
  broadcast(data: unknown, options?: { except?: string | string[] }): number
}

export interface DatabaseOptions {
  /** Apply this db-proxy policy with the current `ctx.user`; without it access is trusted. */
  policy?: string
}

/** Everything a function reaches through `cloud`. The host runtime provides it with `setCloudProvider`. */
export interface CloudSdk {
  /** The query builder (LAF database-ql style). */
  database(options?: DatabaseOptions): Db
  readonly mongo: CloudMongo
  invoke<TResult = unknown>(name: string, params?: InvokeParams): Promise<TResult>
  getToken(payload: TokenPayload, options?: TokenOptions): string
  parseToken(token: string | null | undefined, options?: ParseTokenOptions): TokenPayload | null
  readonly storage: CloudStorage
  readonly sockets: CloudSockets
  readonly appid: string
  readonly env: Record<string, string | undefined>
  /** Shared between every invocation of one runtime. */
  readonly shared: Map<string, unknown>
}
