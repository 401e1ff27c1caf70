import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Server } from '@modelcontextprotocol/server'
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { sendJsonRpcError } from './guard.js'
import type { McpHttpRequest } from './types.js'

type ServerModule = typeof import('@modelcontextprotocol/server')
type NodeModule = typeof import('@modelcontextprotocol/node')

/** Session mode for 2025-era clients over HTTP (see `McpHandlerOptions.sessions`). */
export interface McpSessionOptions {
  /** A session unused this long is closed. Default 30 minutes. */
  idleTimeoutMs?: number
  /** At most this many open sessions; an `initialize` beyond it gets 503. Default 1000. */
  maxSessions?: number
}

interface Session {
  transport: NodeStreamableHTTPServerTransport
  server: Server
  lastSeen: number
}

export interface SessionTable {
  /** Whether the request belongs to the session path: it names a session, or it is a 2025-era `initialize`. */
  wants(req: McpHttpRequest, body: unknown): boolean
  handle(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void>
  toolsChanged(): void
  close(): Promise<void>
}

export function checkSessionOptions(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined
  if (typeof value !== 'object' || value === null) return 'option sessions must be true or { idleTimeoutMs?, maxSessions? }'
  for (const key of ['idleTimeoutMs', 'maxSessions'] as const) {
    const n = (value as Record<string, unknown>)[key]
    if (n !== undefined && !(typeof n === 'number' && n > 0)) return `option sessions.${key} must be a positive number`
  }
  return undefined
}

/**
 * Open sessions: one server and one sessionful SDK transport each, so the client's GET stream receives pushed
 * `tools/list_changed` and its `notifications/cancelled` reaches the call it names.
 */
export function createSessionTable(sdk: ServerModule, node: NodeModule, newServer: () => Server, options: McpSessionOptions): SessionTable {
  const sessions = new Map<string, Session>()
  const idleMs = options.idleTimeoutMs ?? 30 * 60_000
  const max = options.maxSessions ?? 1000
  let pending = 0

  async function end(id: string): Promise<void> {
    const session = sessions.get(id)
    if (!session) return
    sessions.delete(id)
    await session.transport.close().catch(() => undefined)
    await session.server.close().catch(() => undefined)
  }
  // Wall-clock expiry, checked at most once a minute (or once per idle period when that is shorter).
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [id, session] of sessions) if (now - session.lastSeen > idleMs) void end(id)
  }, Math.min(idleMs, 60_000))
  sweep.unref()

  async function open(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    if (sessions.size + pending >= max) {
      return sendJsonRpcError(res, 503, -32000, `Too many open MCP sessions (maxSessions is ${max}); retry later`, null)
    }
    pending++
    const server = newServer()
    let created: Session | undefined
    const transport = new node.NodeStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        created = { transport, server, lastSeen: Date.now() }
        sessions.set(id, created)
      },
      onsessionclosed: (id) => void end(id),
    })
    transport.onclose = () => {
      if (transport.sessionId !== undefined && sessions.get(transport.sessionId)?.transport === transport) sessions.delete(transport.sessionId)
    }
    try {
      await server.connect(transport)
      await transport.handleRequest(req, res, body)
    } finally {
      pending--
      if (!created) await server.close().catch(() => undefined)
    }
  }

  return {
    wants(req, body) {
      return req.headers['mcp-session-id'] !== undefined || (req.method === 'POST' && sdk.isInitializeRequest(body))
    },
    async handle(req, res, body) {
      const id = req.headers['mcp-session-id']
      if (id === undefined) return open(req, res, body)
      const session = typeof id === 'string' ? sessions.get(id) : undefined
      // The transport spec: an unknown (or expired) session is 404, and the client starts a new one.
      if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found', null)
      session.lastSeen = Date.now()
      await session.transport.handleRequest(req, res, body)
    },
    toolsChanged() {
      for (const session of sessions.values()) session.server.sendToolListChanged().catch(() => undefined)
    },
    async close() {
      clearInterval(sweep)
      await Promise.all([...sessions.keys()].map(end))
    },
  }
}
