// The page's only way to the server: JSON over fetch to ./api, with the admin token from sign-in.
const KEY = 'scraping-run.console.token'

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: Record<string, any>) {
    super(typeof body?.error === 'string' ? body.error : `HTTP ${status}`)
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const current = token.get()
  if (current) headers.authorization = `Bearer ${current}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`api${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
  const text = await res.text()
  const parsed = text ? JSON.parse(text) : null
  if (!res.ok) throw new ApiError(res.status, parsed ?? {})
  return parsed as T
}

export const q = (params: Record<string, string | number | undefined | null>): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}
