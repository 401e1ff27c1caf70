import type { Server, Transport } from '@modelcontextprotocol/server'
import { createToolCatalog } from './catalog.js'
import { checkOptions } from './http.js'
import { loadServerSdk, loadStdioSdk } from './peers.js'
import { createToolServer } from './tools.js'
import type { McpExecutor, McpHandlerOptions } from './types.js'

export interface StdioOptions extends Omit<McpHandlerOptions, 'authenticate' | 'allowedHosts' | 'allowedOrigins' | 'sessions'> {
  /** Defaults to the process's stdin/stdout. */
  transport?: Transport
}

/**
 * Serves the executor's functions as MCP tools over one stdio connection (the desktop-agent setup). A store change
 * sends `notifications/tools/list_changed` on the connection, in either protocol era.
 */
export async function serveExecutorStdio(executor: McpExecutor, options: StdioOptions): Promise<{ close(): Promise<void> }> {
  checkOptions(executor, options, 'serveExecutorStdio')
  const [sdk, stdio] = await Promise.all([loadServerSdk(), loadStdioSdk()])
  const catalog = createToolCatalog(executor, (schema) => sdk.fromJsonSchema(schema as never), options)
  await catalog.ready()
  // The entry may build a probe instance it then discards, so every instance is told and the unconnected ones ignore it.
  const servers = new Set<Server>()
  catalog.onChange(() => {
    for (const server of servers) server.sendToolListChanged().catch(() => servers.delete(server))
  })
  const handle = stdio.serveStdio(
    () => {
      const server = createToolServer(sdk, catalog, executor, { name: options.name, version: options.version }, { user: null, headers: {} })
      servers.add(server)
      return server
    },
    {
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.onError ? { onerror: options.onError } : {}),
    },
  )
  return {
    async close() {
      catalog.close()
      servers.clear()
      await handle.close()
    },
  }
}
