import { McpAdapterError } from './errors.js'

// The MCP SDK is a peer: it is imported on first use, never at import time, so a host that never serves MCP does not
// need it, and one that forgot it gets an error naming the package instead of a bare module-resolution failure.

type ServerModule = typeof import('@modelcontextprotocol/server')
type StdioModule = typeof import('@modelcontextprotocol/server/stdio')
type NodeModule = typeof import('@modelcontextprotocol/node')

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(specifier.split('/').slice(0, 2).join('/'))
  )
}

/** Loads a peer, turning "not installed" into `MISSING_PEER`. `load` is injectable so the error path is testable. */
export async function importPeer<T>(specifier: string, load: () => Promise<T>, feature: string): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (!isModuleNotFound(error, specifier)) throw error
    const pkg = specifier.split('/').slice(0, 2).join('/')
    throw new McpAdapterError('MISSING_PEER', `${feature} needs the peer dependency ${pkg}: npm install ${pkg}`, {
      cause: error,
    })
  }
}

/** A loader that imports the peer once; a failed load is not cached, so installing the peer and retrying works without a restart. */
function lazyPeer<T>(specifier: string, load: () => Promise<T>, feature: string): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () =>
    (pending ??= importPeer(specifier, load, feature).catch((error: unknown) => {
      pending = undefined
      throw error
    }))
}

export const loadServerSdk = lazyPeer<ServerModule>('@modelcontextprotocol/server', () => import('@modelcontextprotocol/server'), 'MCP')
export const loadStdioSdk = lazyPeer<StdioModule>('@modelcontextprotocol/server', () => import('@modelcontextprotocol/server/stdio'), 'MCP over stdio')
export const loadNodeSdk = lazyPeer<NodeModule>('@modelcontextprotocol/node', () => import('@modelcontextprotocol/node'), 'MCP over HTTP')
