// A browser- and Node-safe client for a scraping-run app: the query builder over `POST /proxy/:policy`, and function calls.
// It must stay free of Node modules and jsonwebtoken, so it imports only the protocol, the builder and the error type.
import { CloudError } from './errors.js'
import type { DbRequest, DbResponse } from './protocol.js'
import { Db } from './query/db.js'
import type { DbTransport } from './query/types.js'

export { Db } from './query/db.js'
export { command } from './query/command.js'
export type * from './query/types.js'

export interface CloudClientOptions {
  /** The app's origin and base path, e.g. `https://api.example.com` or `/` (same origin in a browser). */
  baseUrl: string
  /** The db-proxy policy name (default `app`). */
  policy?: string
  /** Where the proxy is mounted (default `/proxy`). */
  proxyPath?: string
  /** Where the functions are mounted (default `/`; e.g. `/fn` when the app does `app.use('/fn', functionsMiddleware(…))`). */
  functionsPath?: string
  /** Returns the user's JWT (or nothing when signed out); sent as `Authorization: Bearer …`. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch
}

export interface CloudClient {
  /** The query builder; each request goes to `POST {baseUrl}{proxyPath}/{policy}`. */
  database(): Db
  /** Calls the function `name` with `POST {baseUrl}{functionsPath}/{name}` and a JSON body; resolves with its (JSON or text) answer. */
  invoke<T = unknown>(name: string, body?: unknown): Promise<T>
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

export function createCloudClient(options: CloudClientOptions): CloudClient {
  if (!options || typeof options.baseUrl !== 'string') {
    throw new CloudError('INVALID_ARGUMENT', "createCloudClient({baseUrl}) needs the app's URL, e.g. 'https://api.example.com'")
  }
  const { baseUrl, policy = 'app', proxyPath = '/proxy', functionsPath = '/', getToken } = options
  const doFetch = options.fetch ?? globalThis.fetch
  if (typeof doFetch !== 'function') throw new CloudError('INVALID_ARGUMENT', 'no fetch available: pass createCloudClient({fetch})')

  async function post(url: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const token = getToken ? await getToken() : undefined
    if (token) headers.authorization = `Bearer ${token}`
    return doFetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}) })
  }

  const proxyUrl = join(join(baseUrl, proxyPath), encodeURIComponent(policy))
  const transport: DbTransport = {
    async send(request: DbRequest): Promise<DbResponse> {
      const response = await post(proxyUrl, request)
      const text = await response.text()
      try {
        const parsed = JSON.parse(text) as DbResponse
        if (parsed && typeof parsed === 'object' && 'code' in parsed) return parsed
      } catch {
        // fall through: not a proxy answer (a 404 page, a proxy in front, …)
      }
      return { code: `HTTP_${response.status}`, error: text.slice(0, 500) || response.statusText }
    },
  }
  let db: Db | undefined

  return {
    database: () => (db ??= new Db(transport)),
    async invoke<T>(name: string, body?: unknown): Promise<T> {
      if (typeof name !== 'string' || name.length === 0) throw new CloudError('INVALID_ARGUMENT', 'invoke(name) needs a function name')
      const response = await post(join(join(baseUrl, functionsPath), name.split('/').map(encodeURIComponent).join('/')), body)
      const text = await response.text()
      const type = response.headers.get('content-type') ?? ''
      let value: unknown = text
      if (type.includes('json') && text) {
        try {
          value = JSON.parse(text)
        } catch (error) {
          throw new CloudError('INVOKE_FAILED', `invoke('${name}') answered malformed JSON (HTTP ${response.status})`, {
            cause: error,
            status: response.status,
            body: text,
          })
        }
      }
      if (!response.ok) {
        const message = typeof value === 'object' && value && 'error' in value ? String((value as { error: unknown }).error) : text
        // The status and parsed body ride on the error so callers can branch on them.
        throw new CloudError('INVOKE_FAILED', `invoke('${name}') failed with HTTP ${response.status}: ${message}`, {
          status: response.status,
          body: value,
        })
      }
      return value as T
    },
  }
}
