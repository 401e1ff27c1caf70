import type { CallToolResult, Server, Tool } from '@modelcontextprotocol/server'
import type { ToolCatalog, ToolEntry } from './catalog.js'
import { callNotifier, isLogLevel, type McpLogLevel } from './notify.js'
import type { McpExecutor, McpUser } from './types.js'

type ServerModule = typeof import('@modelcontextprotocol/server')

// -32001 is the code MCP SDKs use for a request that timed out; clients of both SDK lines surface it as such.
export const REQUEST_TIMEOUT = -32001

/** Who is calling, as the serving entry (HTTP or stdio) knows it. */
export interface Caller {
  user: McpUser | null
  headers: Record<string, string | string[] | undefined>
}

const wireLists = new WeakMap<readonly ToolEntry[], Tool[]>()

function wireList(tools: readonly ToolEntry[]): Tool[] {
  let list = wireLists.get(tools)
  if (!list) {
    list = tools.map((tool) => {
      const wire: Tool = { name: tool.name, description: tool.description, inputSchema: tool.inputSchema as Tool['inputSchema'] }
      if (tool.title !== undefined) wire.title = tool.title
      if (tool.annotations !== undefined) wire.annotations = tool.annotations
      if (tool.outputSchema !== undefined) wire.outputSchema = tool.outputSchema as Tool['outputSchema']
      return wire
    })
    wireLists.set(tools, list)
  }
  return list
}

// Results come from the sandbox's realm, where `Object.prototype` is a different object: compare by shape, not identity.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.prototype.toString.call(value) !== '[object Object]') return false
  const proto = Object.getPrototypeOf(value)
  return proto === null || Object.getPrototypeOf(proto) === null
}

/**
 * Maps what a function returned to a tool result: an object is also `structuredContent`, anything else is text. A tool
 * with an output schema (`structured`) answers any JSON value as `structuredContent`, since its schema says what it is.
 */
export function toToolResult(data: unknown, isCallToolResult: (value: unknown) => boolean, structured = false): CallToolResult {
  if (data === undefined) return { content: [] }
  // A function that builds an MCP result itself (images, several blocks) is passed through untouched.
  if (isPlainObject(data) && Array.isArray(data.content) && isCallToolResult(data)) return data as CallToolResult
  if (typeof data === 'string') return { content: [{ type: 'text', text: data }] }
  let text: string
  try {
    text = JSON.stringify(data) ?? String(data)
  } catch (error) {
    return { content: [{ type: 'text', text: `The function's result is not JSON: ${(error as Error).message}` }], isError: true }
  }
  const result: CallToolResult = { content: [{ type: 'text', text }] }
  // Parsed back from the text so the structured copy is exactly what was sent as text (dates as strings, no undefined).
  if (isPlainObject(data) || structured) result.structuredContent = JSON.parse(text) as Record<string, unknown>
  return result
}

/** The result, or a tool error when a tool with an output schema answers something the schema does not allow. */
async function checkOutput(tool: ToolEntry, result: CallToolResult): Promise<CallToolResult> {
  if (!tool.outputValidator || result.isError) return result
  const problem = (text: string): CallToolResult => ({ content: [{ type: 'text', text: `Output validation error: tool ${tool.name} ${text}` }], isError: true })
  if (result.structuredContent === undefined) return problem('returned no structured content, but it declares an outputSchema')
  const checked = await tool.outputValidator['~standard'].validate(result.structuredContent)
  if (!checked.issues) return result
  return problem(`returned a result that does not match its outputSchema: ${checked.issues.map((issue) => issue.message).join('; ')}`)
}

/**
 * A low-level MCP `Server` for one HTTP request or one stdio connection. The low-level server (rather than `McpServer`)
 * lets the adapter answer with a protocol error where `McpServer` would turn every failure into a tool result, and
 * skips per-request tool registration: the catalog is built once per store change.
 */
export function createToolServer(
  sdk: ServerModule,
  catalog: ToolCatalog,
  executor: McpExecutor,
  info: { name: string; version: string },
  /** Fixed for a per-request or stdio server; undefined for a session's, which takes each request's from its authInfo. */
  fixedCaller: Caller | undefined,
): Server {
  const server = new sdk.Server(info, { capabilities: { tools: { listChanged: true }, logging: {} } })
  // The level a 2025-era client set on this connection (stdio); over stateless HTTP each request has its own server,
  // so there it lasts for that request only, and a 2026-07-28 client sends its level with each call instead.
  let sessionLevel: McpLogLevel | undefined
  server.setRequestHandler('logging/setLevel', (request) => {
    if (isLogLevel(request.params.level)) sessionLevel = request.params.level
    return {}
  })
  server.setRequestHandler('tools/list', () => ({ tools: wireList(catalog.tools) }))
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params
    const tool = catalog.get(name)
    if (!tool) throw new sdk.ProtocolError(sdk.ProtocolErrorCode.InvalidParams, `Tool ${name} not found`)
    const checked = await tool.validator['~standard'].validate(request.params.arguments ?? {})
    if (checked.issues) {
      // Reported as a tool error (not a protocol error) so the model sees what to fix, as the MCP spec recommends.
      const problems = checked.issues.map((issue) => issue.message).join('; ')
      return { content: [{ type: 'text', text: `Input validation error: Invalid arguments for tool ${name}: ${problems}` }], isError: true }
    }
    const caller = fixedCaller ?? (ctx.http?.authInfo?.extra?.caller as Caller | undefined) ?? { user: null, headers: {} }
    const notifier = callNotifier(
      // The SDK moves the reserved `io.modelcontextprotocol/*` keys (the 2026-07-28 log level) into the envelope.
      { ...request.params._meta, ...ctx.mcpReq.envelope },
      sessionLevel, tool.functionName, (notification) => ctx.mcpReq.notify(notification as never))
    const result = await executor.invoke(tool.functionName, {
      body: checked.value,
      method: 'POST',
      path: `/${tool.functionName}`,
      headers: caller.headers,
      query: {},
      user: caller.user,
      trigger: { kind: 'mcp', tool: name },
      signal: ctx.mcpReq.signal,
      ...notifier.hooks,
    })
    await notifier.flush()
    if (result.error) {
      const { code, message } = result.error
      if (code === 'TIMEOUT') throw new sdk.ProtocolError(REQUEST_TIMEOUT, `Tool ${name} timed out: ${message}`)
      if (code === 'ABORTED') throw new sdk.ProtocolError(REQUEST_TIMEOUT, `Tool ${name} was cancelled`)
      if (code === 'FUNCTION_NOT_FOUND') throw new sdk.ProtocolError(sdk.ProtocolErrorCode.InvalidParams, `Tool ${name} not found`)
      // The message only: a stack would leak host paths to the client and is no use to a model.
      return { content: [{ type: 'text', text: message }], isError: true }
    }
    const output = await checkOutput(tool, toToolResult(result.data, sdk.isCallToolResult, tool.outputSchema !== undefined))
    return server.projectCallToolResult(output, tool.outputSchema)
  })
  return server
}
