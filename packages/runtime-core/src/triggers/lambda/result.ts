import type { ServerResponse } from 'node:http'
import { RuntimeError } from '../../errors.js'
import type { LambdaEventVersion } from './events.js'

interface StructuredResult {
  statusCode: unknown
  headers?: unknown
  multiValueHeaders?: unknown
  cookies?: unknown
  body?: unknown
  isBase64Encoded?: unknown
}

function invalid(message: string): RuntimeError {
  return new RuntimeError('INVALID_LAMBDA_RESULT', `the handler returned ${message}`)
}

/**
 * What the handler returned, as API Gateway maps it: `{statusCode, headers, multiValueHeaders, cookies, body,
 * isBase64Encoded}`; for v2 and function URLs anything else is a 200 JSON body. Throws INVALID_LAMBDA_RESULT (sent as a
 * 502, as API Gateway answers a malformed proxy result) before anything is written.
 */
export function sendLambdaResult(res: ServerResponse, data: unknown, version: LambdaEventVersion): void {
  if (res.headersSent || res.writableEnded) return
  const structured = typeof data === 'object' && data !== null && 'statusCode' in data
  if (!structured) {
    if (version === 'v1') throw invalid(`${data === undefined ? 'nothing' : `a ${typeof data}`} without statusCode (a v1 proxy result needs {statusCode, body})`)
    if (data === undefined) return void res.end()
    const json = typeof data === 'string' ? data : JSON.stringify(data)
    res.setHeader('content-type', 'application/json')
    res.setHeader('content-length', Buffer.byteLength(json))
    return void res.end(json)
  }
  const result = data as StructuredResult
  const status = Number(result.statusCode)
  if (!Number.isInteger(status) || status < 100 || status > 599) throw invalid(`statusCode ${JSON.stringify(result.statusCode)} (an integer 100-599)`)
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') throw invalid(`a ${typeof result.body} body (body must be a string: JSON.stringify it)`)
  const headers = headerPairs(result)
  const body = typeof result.body === 'string' ? (result.isBase64Encoded === true ? Buffer.from(result.body, 'base64') : Buffer.from(result.body)) : Buffer.alloc(0)
  res.statusCode = status
  for (const [name, value] of headers) res.setHeader(name, value)
  if (version !== 'v1' && !res.hasHeader('content-type') && body.length) res.setHeader('content-type', 'application/json')
  res.setHeader('content-length', body.length)
  res.end(body)
}

function headerPairs(result: StructuredResult): Array<[string, string | string[]]> {
  const merged = new Map<string, string[]>()
  const add = (name: string, value: unknown) => {
    if (value === undefined || value === null) return
    if (typeof value === 'object') throw invalid(`header ${JSON.stringify(name)} as an object (values are strings, numbers or booleans)`)
    const key = name.toLowerCase()
    merged.set(key, [...(merged.get(key) ?? []), String(value)])
  }
  for (const [field, value] of [['headers', result.headers], ['multiValueHeaders', result.multiValueHeaders]] as const) {
    if (value === undefined || value === null) continue
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} that is not an object`)
    for (const [name, each] of Object.entries(value)) {
      if (field === 'multiValueHeaders') {
        if (!Array.isArray(each)) throw invalid(`multiValueHeaders.${name} that is not an array`)
        for (const one of each) add(name, one)
      } else add(name, each)
    }
  }
  if (result.cookies !== undefined) {
    if (!Array.isArray(result.cookies)) throw invalid('cookies that are not an array of strings')
    for (const cookie of result.cookies) add('set-cookie', cookie)
  }
  return [...merged].map(([name, values]) => [name, name === 'set-cookie' ? values : values.length === 1 ? values[0]! : values.join(', ')])
}
