// `cloud.fetch` of the LAF profile. LAF's SDK exposes an axios instance there; this is the part of axios's interface LAF
// functions use (call forms, method helpers, `{data, status, statusText, headers}`, rejection on a non-2xx status with
// `error.response`), over the sandbox's own `fetch`. The function is self-contained — no imports, no outer names —
// because the isolate prelude embeds its source (`createLafFetch.toString()`), as it does the response facade's.

/** What `cloud.fetch` resolves to, as axios shapes it. */
export interface LafFetchResponse<T = any> {
  data: T
  status: number
  statusText: string
  headers: Record<string, string>
  config: LafFetchConfig
}

export interface LafFetchConfig {
  url?: string
  baseURL?: string
  method?: string
  headers?: Record<string, string>
  params?: Record<string, unknown>
  data?: unknown
  /** Milliseconds; 0 = none. */
  timeout?: number
  responseType?: 'json' | 'text' | 'arraybuffer'
  validateStatus?: (status: number) => boolean
}

export interface LafFetch {
  <T = any>(url: string | LafFetchConfig, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  request<T = any>(config: LafFetchConfig): Promise<LafFetchResponse<T>>
  get<T = any>(url: string, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  delete<T = any>(url: string, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  head<T = any>(url: string, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  options<T = any>(url: string, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  post<T = any>(url: string, data?: unknown, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  put<T = any>(url: string, data?: unknown, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  patch<T = any>(url: string, data?: unknown, config?: LafFetchConfig): Promise<LafFetchResponse<T>>
  create(defaults?: LafFetchConfig): LafFetch
  defaults: LafFetchConfig
}

type FetchLike = (input: string, init: Record<string, unknown>) => Promise<any>

export function createLafFetch(fetchImpl: FetchLike, defaults: LafFetchConfig = {}): LafFetch {
  function body(data: unknown, headers: Record<string, string>): unknown {
    if (data === undefined || data === null) return undefined
    const type = Object.prototype.toString.call(data)
    if (typeof data === 'string' || ArrayBuffer.isView(data) || type === '[object ArrayBuffer]' || type === '[object URLSearchParams]' || type === '[object FormData]') return data
    if (!Object.keys(headers).some((key) => key.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
    return JSON.stringify(data)
  }
  function fullUrl(config: LafFetchConfig): string {
    let url = String(config.url ?? '')
    if (config.baseURL && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = config.baseURL.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '')
    const params = config.params
    if (params && typeof params === 'object') {
      const pairs: string[] = []
      for (const key of Object.keys(params)) {
        const value = params[key]
        if (value !== undefined && value !== null) pairs.push(encodeURIComponent(key) + '=' + encodeURIComponent(typeof value === 'object' ? JSON.stringify(value) : String(value)))
      }
      if (pairs.length) url += (url.includes('?') ? '&' : '?') + pairs.join('&')
    }
    return url
  }
  async function request(input: LafFetchConfig): Promise<LafFetchResponse> {
    const config: LafFetchConfig = { ...defaults, ...input, headers: { ...(defaults.headers ?? {}), ...(input.headers ?? {}) } }
    const method = String(config.method ?? 'get').toUpperCase()
    const headers = config.headers as Record<string, string>
    const init: Record<string, unknown> = { method, headers }
    const payload = body(config.data, headers)
    if (payload !== undefined && method !== 'GET' && method !== 'HEAD') init.body = payload
    let timer: ReturnType<typeof setTimeout> | undefined
    if (config.timeout && config.timeout > 0 && typeof AbortController === 'function') {
      const controller = new AbortController()
      timer = setTimeout(() => controller.abort(), config.timeout)
      init.signal = controller.signal
    }
    let res: any
    try {
      res = await fetchImpl(fullUrl(config), init)
    } catch (cause) {
      const error: any = new Error(timer ? 'timeout of ' + config.timeout + 'ms exceeded or network error: ' + String((cause as Error)?.message ?? cause) : String((cause as Error)?.message ?? cause))
      error.code = 'ERR_NETWORK'
      error.isAxiosError = true
      error.config = config
      throw error
    } finally {
      if (timer) clearTimeout(timer)
    }
    const responseHeaders: Record<string, string> = {}
    res.headers.forEach((value: string, key: string) => {
      responseHeaders[key.toLowerCase()] = value
    })
    let data: unknown
    if (config.responseType === 'arraybuffer') data = new Uint8Array(await res.arrayBuffer())
    else {
      const text: string = method === 'HEAD' ? '' : await res.text()
      data = text
      // As axios: JSON when it parses, the text otherwise (unless text was asked for).
      if (config.responseType !== 'text' && text.length > 0) {
        try {
          data = JSON.parse(text)
        } catch {
          data = text
        }
      }
    }
    const response: LafFetchResponse = { data, status: res.status, statusText: res.statusText ?? '', headers: responseHeaders, config }
    const valid = config.validateStatus ? config.validateStatus(res.status) : res.status >= 200 && res.status < 300
    if (!valid) {
      const error: any = new Error('Request failed with status code ' + res.status)
      error.code = res.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST'
      error.isAxiosError = true
      error.response = response
      error.config = config
      throw error
    }
    return response
  }
  const instance: any = (url: string | LafFetchConfig, config?: LafFetchConfig) => (typeof url === 'string' ? request({ ...(config ?? {}), url }) : request(url ?? {}))
  instance.request = (config: LafFetchConfig) => request(config ?? {})
  for (const method of ['get', 'delete', 'head', 'options']) instance[method] = (url: string, config?: LafFetchConfig) => request({ ...(config ?? {}), url, method })
  for (const method of ['post', 'put', 'patch']) instance[method] = (url: string, data?: unknown, config?: LafFetchConfig) => request({ ...(config ?? {}), url, method, data })
  instance.create = (more?: LafFetchConfig) => createLafFetch(fetchImpl, { ...defaults, ...(more ?? {}), headers: { ...(defaults.headers ?? {}), ...(more?.headers ?? {}) } })
  instance.defaults = defaults
  return instance as LafFetch
}
