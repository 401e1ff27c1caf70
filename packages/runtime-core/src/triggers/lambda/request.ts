import type { IncomingMessage } from 'node:http'
import type { TokenPayload } from '@scraping-run/cloud'

/** What every Lambda event format is built from: the HTTP request as the executor saw it. */
export interface LambdaRequest {
  method: string
  /** The path as the client sent it, without the query. */
  path: string
  rawQueryString: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
  /** The body's bytes as received, when the entry point kept them. */
  rawBody?: Uint8Array
  requestId: string
  user: TokenPayload | null
  /** The rest of the path after the function's name (`pathParameters.proxy`), or undefined when the name was the path. */
  proxy?: string
  functionName: string
  request?: IncomingMessage
  time: Date
}

const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))/i

/** `body` and `isBase64Encoded` as API Gateway sends them: text types as text, anything else base64. */
export function eventBody(request: LambdaRequest): { body: string | undefined; isBase64Encoded: boolean } {
  const type = String(first(request.headers['content-type']) ?? '')
  const raw = request.rawBody
  if (raw) {
    if (raw.byteLength === 0) return { body: undefined, isBase64Encoded: false }
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    return TEXT_TYPES.test(type) ? { body: bytes.toString('utf8'), isBase64Encoded: false } : { body: bytes.toString('base64'), isBase64Encoded: true }
  }
  const body = request.body
  if (body === undefined || body === null) return { body: undefined, isBase64Encoded: false }
  if (typeof body === 'string') return { body, isBase64Encoded: false }
  if (ArrayBuffer.isView(body)) return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'), isBase64Encoded: true }
  // Parsed already (a host middleware in front): sent again as JSON.
  return { body: JSON.stringify(body), isBase64Encoded: false }
}

export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Header values joined the way API Gateway v2 joins repeated headers. */
export function joinedHeaders(headers: LambdaRequest['headers'], skip?: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === skip) continue
    out[name] = Array.isArray(value) ? value.join(',') : String(value)
  }
  return out
}

export function cookiesOf(headers: LambdaRequest['headers']): string[] {
  const header = headers.cookie
  const text = Array.isArray(header) ? header.join('; ') : header
  return text ? text.split(/;\s*/).filter(Boolean) : []
}

export function sourceIp(request: LambdaRequest): string {
  const address = request.request?.socket?.remoteAddress ?? '127.0.0.1'
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function requestTime(time: Date): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`
}

/** Query parameters with every value of each name (`?a=1&a=2` → `{a: ['1', '2']}`). */
export function multiQuery(rawQueryString: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [key, value] of new URLSearchParams(rawQueryString)) (out[key] ??= []).push(value)
  return out
}
