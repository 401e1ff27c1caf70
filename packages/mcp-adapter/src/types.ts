import type { IncomingMessage, ServerResponse } from 'node:http'
import type { McpSessionOptions } from './sessions.js'

/** A JSON Schema object (the adapter passes it to clients as the tool's `inputSchema`). */
export type JsonSchema = Record<string, unknown>

/** Whatever `authenticate` returns; it reaches the function as `ctx.user`. */
export type McpUser = Record<string, unknown>

/** MCP tool annotations (hints for clients), passed through as given. */
export interface McpToolAnnotations {
  title?: string
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
  [key: string]: unknown
}

/** The tool metadata of a function: from its store record, or from its module's exported `meta`. */
export interface McpToolMeta {
  description?: string
  inputSchema?: JsonSchema
  title?: string
  annotations?: McpToolAnnotations
  /**
   * JSON Schema of what the function returns. The tool then always answers `structuredContent` (the returned value),
   * validated against it before it is sent: a mismatch is a tool error, not a result the client would reject.
   */
  outputSchema?: JsonSchema
}

/** The part of a function's store record the adapter reads. */
export interface McpFunctionRecord extends McpToolMeta {
  name: string
  /** Changes whenever the record changes (caches key on it). */
  hash?: string
  source?: string
  language?: 'ts' | 'js'
  methods?: string[]
  timeoutMs?: number
}

/**
 * A function that qualifies as a tool (it has a description and an input schema), as `select` and `toolName` see it:
 * its store record (every field the store gave, including ones not typed here), with the description, schema, title and
 * annotations resolved from the record or the module's `meta`.
 */
export interface McpFunctionInfo extends McpFunctionRecord {
  /** The function's name in the store, e.g. `orders/create`. */
  name: string
  description: string
  inputSchema: JsonSchema
}

/** The parts of an executor invocation the adapter passes. */
export interface McpInvokeInit {
  body: unknown
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  query: Record<string, unknown>
  user: McpUser | null
  trigger: { kind: 'mcp'; tool: string }
  signal: AbortSignal
  /** Called live with each console line of the call (sent to the client as log notifications). */
  onLog?: (record: { level: string; message: string }) => void
  /** Called when the function reports progress with `ctx.progress(progress, total?, message?)`. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
}

/** The parts of an invocation result the adapter reads. */
export interface McpInvokeResult {
  data?: unknown
  error?: { message: string; code: string; stack?: string }
}

/**
 * What the adapter needs from an executor. `@scraping-run/runtime-core`'s `createExecutor()` satisfies it; it is declared
 * structurally so the adapter works with any copy of runtime-core (and with test doubles of the executor, never of MCP).
 */
export interface McpExecutor {
  readonly store: {
    list(): Promise<readonly McpFunctionRecord[]>
    watch(listener: (event: unknown) => void): () => void
  }
  invoke(name: string, init: McpInvokeInit): Promise<McpInvokeResult>
  /**
   * The functions with their module's exported `meta`, as the executor's sandbox reported it on load. Without it, tools
   * come from store records only.
   */
  describe?(name?: string): Promise<ReadonlyArray<McpFunctionRecord & { meta?: unknown; error?: { code: string; message: string } }>>
  /** Fires after the executor has evicted a changed function; preferred over `store.watch` when present. */
  watch?(listener: (event: unknown) => void): () => void
}

/** An incoming HTTP request as Express (or `node:http`) hands it over; `body` is set when a body parser ran. */
export type McpHttpRequest = IncomingMessage & { body?: unknown }

export interface McpHandlerOptions {
  /** Server name reported to clients. */
  name: string
  /** Server version reported to clients. */
  version: string
  /** Which qualifying functions become tools. Default: all of them (names starting with `__` never do). */
  select?: (fn: McpFunctionInfo) => boolean
  /** The wanted tool name of a function (then sanitised and deduplicated). Default: the function name. */
  toolName?: (fn: McpFunctionInfo) => string
  /**
   * Verifies the caller. Return the user (it becomes `ctx.user`) or `null` to answer `401` with `WWW-Authenticate`.
   * Without it, every caller is let in with `ctx.user = null`.
   */
  authenticate?: (req: McpHttpRequest) => McpUser | null | Promise<McpUser | null>
  /**
   * Reports problems that do not fail a request: a function with an unusable schema, a failed tool-list refresh, a
   * request the MCP SDK rejected. Default: tool-list problems go to `console.warn`, the rest is dropped.
   */
  onError?: (error: Error) => void
  /**
   * DNS-rebinding protection: the `Host` names (besides `localhost`, `127.0.0.1` and `[::1]`, always allowed on any port)
   * the endpoint answers. `'api.example.com'` allows any port, `'api.example.com:8443'` that port only; `'*'` turns the
   * check off (behind a reverse proxy that checks hosts itself). Other hosts get 403.
   */
  allowedHosts?: readonly string[] | '*'
  /**
   * The browser `Origin`s (besides loopback ones) allowed to call: `'https://app.example.com'` (exact) or a bare name
   * (any scheme and port); `'*'` allows every origin. Requests without an `Origin` (non-browser clients) always pass.
   */
  allowedOrigins?: readonly string[] | '*'
  /**
   * Session mode for 2025-era clients (`true` or limits): an `initialize` opens a session, so the client's stream gets
   * pushed `tools/list_changed` and its `notifications/cancelled` reaches the running call. Sessions live in this
   * process (use sticky routing behind a load balancer), expire after `idleTimeoutMs` unused and are capped at
   * `maxSessions`. 2026-07-28 clients are served statelessly either way. Default: off (stateless).
   */
  sessions?: boolean | McpSessionOptions
}

/** The Express-compatible handler `createMcpHandler` returns, plus `close()`. */
export interface McpRequestHandler {
  (req: McpHttpRequest, res: ServerResponse, next?: (error?: unknown) => void): Promise<void>
  /** Stops watching the store and ends open MCP streams. */
  close(): Promise<void>
}
