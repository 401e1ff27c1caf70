import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { RuntimeError } from '../../errors.js'

export interface IsolateFetchOptions {
  /**
   * Hosts or address ranges a function may reach although they are loopback, link-local or private — e.g.
   * `['127.0.0.1', 'localhost', '10.1.0.0/16', 'fd00::/8']`. Default: none.
   */
  allow?: string[]
  /** Largest response body copied into the isolate. Default 10 MB. */
  maxBytes?: number
  /** Per request, redirects included. Default 30 s. */
  timeoutMs?: number
}

/** What the isolate's `fetch` sends and gets back: data only. */
export interface FetchRequest {
  url: string
  method?: string
  headers?: Array<[string, string]>
  body?: string | Uint8Array
}
export interface FetchAnswer {
  url: string
  status: number
  statusText: string
  headers: Array<[string, string]>
  body: Uint8Array
}

// Addresses a function must not reach unless the host says so: its own loopback, link-local (cloud metadata services),
// private networks, carrier-grade NAT, and the unspecified addresses.
const FORBIDDEN = new BlockList()
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::ffff:0:0', 96]] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv6')

const MAX_REDIRECTS = 5

/** The host side of the isolate's `fetch`, refusing private addresses at connect time (so DNS rebinding cannot slip past). */
export function createIsolateFetch(options: IsolateFetchOptions = {}): (request: FetchRequest) => Promise<FetchAnswer> {
  const allowedHosts = new Set<string>()
  const allowedRanges = new BlockList()
  for (const entry of options.allow ?? []) {
    const [address, prefix] = entry.split('/')
    const family = isIP(address ?? '')
    if (family && prefix) allowedRanges.addSubnet(address!, Number(prefix), family === 6 ? 'ipv6' : 'ipv4')
    else if (family) allowedRanges.addAddress(address!, family === 6 ? 'ipv6' : 'ipv4')
    else allowedHosts.add(entry.toLowerCase())
  }
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024
  const timeoutMs = options.timeoutMs ?? 30_000

  const permitted = (host: string, address: string, family: number): boolean => {
    const type = family === 6 ? 'ipv6' : 'ipv4'
    return allowedHosts.has(host.toLowerCase()) || allowedRanges.check(address, type) || !FORBIDDEN.check(address, type)
  }

  function guardedLookup(host: string): LookupFunction {
    return (hostname, lookupOptions, callback) => {
      dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 4)
        const list = addresses as unknown as LookupAddress[]
        const refused = list.find((each) => !permitted(host, each.address, each.family))
        if (refused) {
          const reason = new RuntimeError('FORBIDDEN', `fetch to ${host} (${refused.address}) is refused: loopback, link-local and private addresses need isolateSandbox({fetch: {allow: ['${host}']}})`)
          return callback(reason as NodeJS.ErrnoException, '', 4)
        }
        if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list)
        callback(null, list[0]!.address, list[0]!.family)
      })
    }
  }

  function once(url: URL, request: FetchRequest, signal: AbortSignal): Promise<{ response: IncomingMessage; body: Uint8Array }> {
    // An address in the URL itself is connected to without a lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '')
    const family = isIP(literal)
    if (family && !permitted(literal, literal, family)) {
      return Promise.reject(new RuntimeError('FORBIDDEN', `fetch to ${literal} is refused: loopback, link-local and private addresses need isolateSandbox({fetch: {allow: ['${literal}']}})`))
    }
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest
      const req = send(url, { method: request.method ?? 'GET', headers: Object.fromEntries(request.headers ?? []), lookup: guardedLookup(url.hostname.replace(/^\[|\]$/g, '')), signal }, (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) {
            response.destroy()
            reject(new RuntimeError('PAYLOAD_TOO_LARGE', `fetch ${url.href}: the response is larger than ${maxBytes} bytes`))
          } else chunks.push(chunk)
        })
        response.on('end', () => resolve({ response, body: new Uint8Array(Buffer.concat(chunks)) }))
        response.on('error', reject)
      })
      req.on('error', reject)
      req.end(request.body === undefined ? undefined : request.body)
    })
  }

  return async (request) => {
    let url: URL
    try {
      url = new URL(String(request.url))
    } catch {
      throw new RuntimeError('BAD_REQUEST', `fetch: ${JSON.stringify(String(request.url)).slice(0, 200)} is not an absolute URL`)
    }
    const signal = AbortSignal.timeout(timeoutMs)
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RuntimeError('BAD_REQUEST', `fetch: only http and https URLs (got ${url.protocol})`)
      const { response, body } = await once(url, request, signal)
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (status >= 300 && status < 400 && location && hop < MAX_REDIRECTS) {
        url = new URL(location, url)
        // A 303 (and a 301/302 after POST) turns into GET without a body, as browsers do.
        if (status === 303 || ((status === 301 || status === 302) && request.method && request.method !== 'GET' && request.method !== 'HEAD')) {
          request = { ...request, method: 'GET', body: undefined }
        }
        continue
      }
      const headers: Array<[string, string]> = []
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue
        for (const each of Array.isArray(value) ? value : [value]) headers.push([name, each])
      }
      return { url: url.href, status, statusText: response.statusMessage ?? '', headers, body }
    }
  }
}
