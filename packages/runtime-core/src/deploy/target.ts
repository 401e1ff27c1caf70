import { RuntimeError } from '../errors.js'
import type { EnvEntry, EnvRegistry } from './env.js'
import type { Deployment, DraftInfo, FunctionDraft, FunctionRegistry } from './registry.js'

/** What the CLI deploys to: the admin API over HTTP, or MongoDB itself. Same operations either way. */
export interface DeployTarget {
  put(name: string, draft: FunctionDraft): Promise<DraftInfo>
  publish(name: string, environment: string): Promise<Deployment>
  promote(name: string, from: string, to: string): Promise<Deployment>
  history(name: string, environment: string): Promise<Deployment[]>
  rollback(name: string, environment: string, version: number): Promise<Deployment>
  list(environment: string): Promise<Deployment[]>
  envSet(environment: string, name: string, value: string, secret: boolean): Promise<EnvEntry>
  close(): Promise<void>
}

/** The admin API at `url` (the router's mount point), authenticated with an admin JWT. */
export function httpTarget(url: string, token: string | undefined): DeployTarget {
  const base = url.replace(/\/+$/, '')
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    try {
      response = await fetch(base + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (error) {
      throw new RuntimeError('BAD_REQUEST', `cannot reach the admin API at ${base}: ${(error as Error).message}`, { cause: error })
    }
    const text = await response.text()
    let parsed: any
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      throw new RuntimeError('BAD_REQUEST', `the admin API at ${base} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`)
    }
    if (!response.ok) {
      const code = typeof parsed?.code === 'string' ? parsed.code : 'BAD_REQUEST'
      const error = new RuntimeError('BAD_REQUEST', String(parsed?.error ?? `HTTP ${response.status}`))
      // The server's code (PROMOTION_ORDER, FORBIDDEN, …) is what the user acts on.
      Object.defineProperty(error, 'code', { value: code })
      throw error
    }
    return parsed as T
  }
  const fn = (name: string) => `/functions/${name.split('/').map(encodeURIComponent).join('/')}`
  return {
    put: (name, draft) => call('PUT', fn(name), draft),
    publish: (name, environment) => call('POST', `${fn(name)}:publish`, { environment }),
    promote: (name, from, to) => call('POST', `${fn(name)}:promote`, { from, to }),
    history: (name, environment) => call('GET', `${fn(name)}:history?environment=${encodeURIComponent(environment)}`),
    rollback: (name, environment, version) => call('POST', `${fn(name)}:rollback`, { environment, version }),
    list: (environment) => call('GET', `/functions?environment=${encodeURIComponent(environment)}`),
    envSet: (environment, name, value, secret) => call('PUT', `/env/${encodeURIComponent(name)}`, { environment, value, secret }),
    close: async () => undefined,
  }
}

/** MongoDB itself, through the registry (who = `by`). */
export function registryTarget(registry: FunctionRegistry, env: EnvRegistry, by: string | null, close: () => Promise<void>): DeployTarget {
  return {
    put: (name, draft) => registry.put(name, draft, { by }),
    publish: (name, environment) => registry.publish(name, { environment, by }),
    promote: (name, from, to) => registry.promote(name, { from, to, by }),
    history: (name, environment) => registry.history(name, { environment }),
    rollback: (name, environment, version) => registry.rollback(name, { environment, version, by }),
    list: (environment) => registry.list({ environment }),
    envSet: (environment, name, value, secret) => env.set({ environment, name, value, secret, by }),
    close,
  }
}
