import type { ServerResponse } from 'node:http'
import type { McpHttpHandler } from '@modelcontextprotocol/server'
import { createToolCatalog, type ToolCatalog } from './catalog.js'
import { McpAdapterError } from './errors.js'
import { checkHostList, refuse, rebindingRefusal, requestIdOf, sendJsonRpcError } from './guard.js'
import { loadNodeSdk, loadServerSdk } from './peers.js'
import { checkSessionOptions, createSessionTable, type SessionTable } from './sessions.js'
import { createToolServer, type Caller } from './tools.js'
import type { McpExecutor, McpHandlerOptions, McpHttpRequest, McpRequestHandler, McpUser } from './types.js'

interface Runtime {
  sdkHandler: McpHttpHandler
  catalog: ToolCatalog
  sessions: SessionTable | undefined
  toNodeHandler: (typeof import('@modelcontextprotocol/node'))['toNodeHandler']
}

export function checkOptions(executor: unknown, options: McpHandlerOptions | undefined, fn: string): asserts options is McpHandlerOptions {
  const target = executor as Partial<McpExecutor> | null
  if (!target || typeof target.invoke !== 'function' || typeof target.store?.list !== 'function') {
    throw new McpAdapterError('INVALID_OPTIONS', `${fn}(executor, options) needs an executor from createExecutor()`)
  }
  if (!options || typeof options.name !== 'string' || options.name === '' || typeof options.version !== 'string' || options.version === '') {
    throw new McpAdapterError('INVALID_OPTIONS', `${fn} needs { name, version } to report to MCP clients`)
  }
  for (const key of ['select', 'toolName', 'authenticate', 'onError'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new McpAdapterError('INVALID_OPTIONS', `${fn}: option ${key} must be a function`)
    }
  }
  for (const key of ['allowedHosts', 'allowedOrigins'] as const) {
    const problem = checkHostList((options as Partial<Record<typeof key, unknown>>)[key], key, fn)
    if (problem) throw new McpAdapterError('INVALID_OPTIONS', problem)
  }
  const sessionProblem = checkSessionOptions((options as { sessions?: unknown }).sessions)
  if (sessionProblem) throw new McpAdapterError('INVALID_OPTIONS', `${fn}: ${sessionProblem}`)
}

const MAX_BODY = 4 * 1024 * 1024

/** The JSON body of a request no parser read (session mode must see it to spot an `initialize`). */
async function readJsonBody(req: McpHttpRequest): Promise<unknown> {
  if (req.method !== 'POST') return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new SyntaxError('request body too large')
    chunks.push(chunk)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

// Headers a function sees for an MCP call: the HTTP request's own, so interceptors can check what they check for HTTP.
function headersOf(req: McpHttpRequest): Caller['headers'] {
  return req.headers as Caller['headers']
}

function unauthorized(res: ServerResponse, hadToken: boolean): void {
  // RFC 6750 §3: no error code when the request carried no credentials at all.
  const challenge = hadToken ? 'Bearer realm="mcp", error="invalid_token", error_description="The access token is missing, expired or invalid"' : 'Bearer realm="mcp"'
  res.statusCode = 401
  res.setHeader('WWW-Authenticate', challenge)
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify({ error: 'invalid_token', error_description: 'Authentication required' }))
}

/** A body parser ran when the request stream has been consumed; its result must then be handed to the SDK. */
function parsedBodyOf(req: McpHttpRequest): unknown {
  if (!req.readableEnded || req.body === undefined) return undefined
  const body = req.body
  // A text or raw parser (mounted app-wide, say) leaves the JSON-RPC message as a string or bytes.
  if (typeof body === 'string' || body instanceof Uint8Array) {
    try {
      return JSON.parse(body.toString())
    } catch {
      return body
    }
  }
  return body
}

/** The SDK handler, the tool catalog and (in session mode) the session table, built once per handler. */
async function startRuntime(executor: McpExecutor, options: McpHandlerOptions, info: { name: string; version: string }): Promise<Runtime> {
  const [sdk, node] = await Promise.all([loadServerSdk(), loadNodeSdk()])
  const catalog = createToolCatalog(executor, (schema) => sdk.fromJsonSchema(schema as never), options)
  const sdkHandler = sdk.createMcpHandler(
    ({ authInfo }) => {
      const caller = (authInfo?.extra?.caller as Caller | undefined) ?? { user: null, headers: {} }
      return createToolServer(sdk, catalog, executor, info, caller)
    },
    { onerror: (error) => options.onError?.(error) },
  )
  const sessions = options.sessions
    ? createSessionTable(sdk, node, () => createToolServer(sdk, catalog, executor, info, undefined), options.sessions === true ? {} : options.sessions)
    : undefined
  catalog.onChange(() => {
    sdkHandler.notify.toolsChanged()
    sessions?.toolsChanged()
  })
  await catalog.ready()
  return { sdkHandler, catalog, sessions, toNodeHandler: node.toNodeHandler }
}

/**
 * Serves the executor's functions as MCP tools over Streamable HTTP (stateless): mount it with
 * `app.all('/mcp', express.json(), handler)` (the body parser is optional). Serves 2026-07-28 clients and 2025-era ones.
 */
export function createMcpHandler(executor: McpExecutor, options: McpHandlerOptions): McpRequestHandler {
  checkOptions(executor, options, 'createMcpHandler')
  const info = { name: options.name, version: options.version }
  let runtime: Promise<Runtime> | undefined
  let closed = false

  // Nothing happens at construction: the SDK is imported and the store read on the first request.
  function start(): Promise<Runtime> {
    runtime ??= startRuntime(executor, options, info).catch((error: unknown) => {
      runtime = undefined
      throw error
    })
    return runtime
  }

  // `next` is accepted for Express's signature but never called: Express would answer a failure with an HTML page.
  // The Node bridge answers its own failures (request conversion) with a JSON-RPC 500; they are reported too.
  const nodeOptions = { onerror: (error: Error) => options.onError?.(error) }

  const handler = async (req: McpHttpRequest, res: ServerResponse, _next?: (error?: unknown) => void): Promise<void> => {
    try {
      const refusal = rebindingRefusal(req, options)
      if (refusal) return refuse(req, res, refusal)
      if (closed) throw new McpAdapterError('INVALID_OPTIONS', 'this MCP handler was closed')
      const { sdkHandler, sessions, toNodeHandler } = await start()
      let user: McpUser | null = null
      if (options.authenticate) {
        user = await options.authenticate(req)
        if (user === null || user === undefined) return unauthorized(res, req.headers.authorization !== undefined)
      }
      const caller: Caller = { user, headers: headersOf(req) }
      let body = parsedBodyOf(req)
      if (sessions) {
        if (body === undefined && !req.readableEnded) {
          try {
            body = await readJsonBody(req)
          } catch (error) {
            return sendJsonRpcError(res, 400, -32700, `Parse error: ${(error as Error).message}`, null)
          }
        }
        if (sessions.wants(req, body)) {
          // The session's transport hands `req.auth` to the tool handlers: the caller of this request, not the first.
          ;(req as McpHttpRequest & { auth?: unknown }).auth = authInfoOf(caller)
          return await sessions.handle(req, res, body)
        }
      }
      // The caller travels to the per-request server factory as the SDK's pass-through authInfo.
      await toNodeHandler(withCaller(sdkHandler, caller), nodeOptions)(req, res, body)
    } catch (error) {
      // The adapter's own errors say what to fix (install a peer, stop using a closed handler); others may hold
      // internals (paths, connection strings) and stay on the server, reported through onError.
      const message = McpAdapterError.is(error) ? `${error.code}: ${error.message}` : 'Internal error'
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, message, requestIdOf(req))
      else res.end()
      options.onError?.(error as Error)
    }
  }

  return Object.assign(handler, {
    async close() {
      closed = true
      const current = await runtime?.catch(() => undefined)
      current?.catalog.close()
      await current?.sessions?.close()
      await current?.sdkHandler.close()
    },
  })
}

function authInfoOf(caller: Caller) {
  return { token: '', clientId: 'scraping-run', scopes: [], extra: { caller } }
}

function withCaller(sdkHandler: McpHttpHandler, caller: Caller): Pick<McpHttpHandler, 'fetch'> {
  return { fetch: (request, init) => sdkHandler.fetch(request, { ...init, authInfo: authInfoOf(caller) }) }
}
