import type { ServerResponse } from 'node:http'
import type { McpHttpRequest } from './types.js'

// DNS-rebinding protection (MCP transport spec, "Security Warning"): a web page on a foreign name that resolves to a
// loopback address must not reach a local server. Loopback names are always allowed, on any port.
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The JSON-RPC error code for a request the server refuses to serve (the SDKs use -32000 for transport-level refusals). */
const REFUSED = -32000

export type HostList = readonly string[] | '*'

export interface GuardOptions {
  allowedHosts?: HostList
  allowedOrigins?: HostList
}

/** Host and name:port of `value` (`example.com:8443`, `[::1]`), or undefined when it is no valid host. */
function parseHost(value: string): { hostname: string; host: string } | undefined {
  try {
    const url = new URL(`http://${value}`)
    // A Host header is a bare authority: anything that parsed into a path, user or query is not one.
    if (url.pathname !== '/' || url.username !== '' || url.search !== '' || url.hash !== '') return undefined
    return { hostname: url.hostname, host: url.host }
  } catch {
    return undefined
  }
}

/** An entry without a port allows its name on any port; with a port, that port only. */
function hostAllowed(value: string, allowed: readonly string[]): boolean {
  const parsed = parseHost(value)
  if (!parsed) return false
  if (LOOPBACK.has(parsed.hostname)) return true
  return allowed.some((entry) => {
    const want = parseHost(entry)
    if (!want) return false
    return want.host === want.hostname ? want.hostname === parsed.hostname : want.host === parsed.host
  })
}

/** Entries are origins (`https://app.example.com`, compared exactly) or bare names (any scheme and port). */
function originAllowed(value: string, allowed: readonly string[]): boolean {
  let origin: URL
  try {
    origin = new URL(value)
  } catch {
    return false
  }
  if (origin.origin === 'null') return allowed.includes('null')
  if (LOOPBACK.has(origin.hostname)) return true
  return allowed.some((entry) => {
    if (entry.includes('://')) {
      try {
        return new URL(entry).origin === origin.origin
      } catch {
        return false
      }
    }
    return parseHost(entry)?.hostname === origin.hostname
  })
}

/** Why the request is refused, naming the option that would let it in; undefined when it may pass. */
export function rebindingRefusal(req: McpHttpRequest, options: GuardOptions): string | undefined {
  if (options.allowedHosts !== '*') {
    const host = req.headers.host
    if (typeof host !== 'string' || !hostAllowed(host, options.allowedHosts ?? [])) {
      return `Host ${JSON.stringify(host ?? '')} is not allowed (DNS-rebinding protection): add it to the allowedHosts option of createMcpHandler, or set allowedHosts: '*' behind a proxy that checks it`
    }
  }
  const origin = req.headers.origin
  if (options.allowedOrigins !== '*' && typeof origin === 'string' && !originAllowed(origin, options.allowedOrigins ?? [])) {
    return `Origin ${JSON.stringify(origin)} is not allowed (DNS-rebinding protection): add it to the allowedOrigins option of createMcpHandler`
  }
  return undefined
}

/** The id of the JSON-RPC request a body parser already read, so the error answers it; null otherwise. */
export function requestIdOf(req: McpHttpRequest): string | number | null {
  const id = (req.body as { id?: unknown } | null | undefined)?.id
  return typeof id === 'string' || typeof id === 'number' ? id : null
}

/** Answers a JSON-RPC error (never an HTML page): what every adapter-level failure looks like to a client. */
export function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, id: string | number | null): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }))
}

export function refuse(req: McpHttpRequest, res: ServerResponse, message: string): void {
  sendJsonRpcError(res, 403, REFUSED, message, requestIdOf(req))
}

export function checkHostList(value: unknown, key: string, fn: string): string | undefined {
  if (value === undefined || value === '*') return undefined
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return undefined
  return `${fn}: option ${key} must be an array of strings or '*'`
}
