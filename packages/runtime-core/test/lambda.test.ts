// Lambda-style handlers behind Express, as API Gateway (v2, v1) or a function URL would call them, in every sandbox.
import { createTokenHelpers } from '@scraping-run/cloud'
import { afterEach, describe, expect, it } from 'vitest'
import { json, serve, type Served } from './helpers.js'
import { MATRIX } from './sandboxes.js'

const tokens = createTokenHelpers('test-secret')
let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

const ECHO_EVENT = `export const handler = async (event: any, context: any) => ({
  statusCode: 201,
  headers: { 'x-version': event.version ?? 'v1', 'content-type': 'application/json' },
  cookies: ['a=1; Path=/', 'b=2; Path=/'],
  body: JSON.stringify({ event, context: { functionName: context.functionName, awsRequestId: context.awsRequestId, memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis() > 0 } }),
})`

const FUNCTIONS = [
  { name: 'items', source: ECHO_EVENT },
  { name: 'items/special', source: 'export const handler = async () => ({ statusCode: 200, body: "special" })' },
  { name: 'rest', source: `export const meta = { lambda: { event: 'v1' } }\n${ECHO_EVENT.replace("cookies: ['a=1; Path=/', 'b=2; Path=/'],", "multiValueHeaders: { 'x-many': ['one', 'two'] },")}` },
  { name: 'url', source: `export const meta = { lambda: { event: 'url' } }\n${ECHO_EVENT}` },
  {
    name: 'callback',
    source: `export function handler(event: any, context: any, callback: any) {
      setTimeout(() => callback(null, { statusCode: 200, body: context.functionName + ' ' + event.requestContext.http.method }), 5)
    }`,
  },
  { name: 'plain', source: 'export const handler = async (event: any) => ({ ok: true, path: event.rawPath })' },
  { name: 'binary', source: "export const handler = async (event: any) => ({ statusCode: 200, isBase64Encoded: true, headers: { 'content-type': 'application/octet-stream', 'x-in': String(event.isBase64Encoded) }, body: event.body })" },
  { name: 'noStatus', source: "export const meta = { lambda: { event: 'v1' } }\nexport const handler = async () => ({ body: 'x' })" },
  { name: 'objectBody', source: 'export const handler = async () => ({ statusCode: 200, body: { not: "a string" } })' },
  { name: 'badStatus', source: 'export const handler = async () => ({ statusCode: 42 })' },
  { name: 'badConfig', source: "export const meta = { lambda: { event: 'v3' } }\nexport const handler = async () => ({ statusCode: 200 })" },
  { name: 'throws', source: 'export const handler = async () => { throw new Error("handler failed") }' },
  { name: 'direct', source: 'export const handler = async (event: any, context: any) => ({ event, remaining: typeof context.getRemainingTimeInMillis() })' },
  { name: 'caller', source: 'import cloud from "@scraping-run/cloud"\nexport default async () => cloud.invoke("direct", { body: { order: 7 } })' },
]

describe.each(MATRIX)('Lambda-style handlers: %s', (_label, sandbox, express) => {
  const start = (records = FUNCTIONS) => serve(express, records, { executor: { sandbox: sandbox() } })

  it('builds an API Gateway v2 event (path, query, headers, cookies, proxy, JWT claims) and maps the result back', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/items/42/photos?a=1&a=2&b=x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'sid=abc; theme=dark', authorization: `Bearer ${tokens.getToken({ uid: 'u1' })}`, 'x-request-id': 'req-1' },
      body: '{"name": "Ada"}',
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('x-version')).toBe('2.0')
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    const { event, context } = await json(response)
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/fn/items/42/photos',
      rawQueryString: 'a=1&a=2&b=x',
      cookies: ['sid=abc', 'theme=dark'],
      queryStringParameters: { a: '1,2', b: 'x' },
      pathParameters: { proxy: '42/photos' },
      body: '{"name": "Ada"}',
      isBase64Encoded: false,
      requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/fn/items/42/photos', sourceIp: '127.0.0.1' }, authorizer: { jwt: { claims: { uid: 'u1' } } } },
    })
    expect(event.headers).not.toHaveProperty('cookie')
    expect(event.headers['content-type']).toBe('application/json')
    expect(context).toEqual({ functionName: 'items', awsRequestId: 'req-1', memory: '128', remaining: true })
  })

  it('routes to the longest function name that prefixes the path', async () => {
    served = await start()
    expect(await (await fetch(`${served.base}/fn/items/special/1`)).text()).toBe('special')
    const exact = await json(await fetch(`${served.base}/fn/items`))
    expect(exact.event).not.toHaveProperty('pathParameters')
  })

  it('gives __default__ the whole path as pathParameters.proxy', async () => {
    served = await start([{ name: '__default__', source: 'export const handler = async (event: any) => ({ statusCode: 200, body: event.pathParameters.proxy })' }])
    expect(await (await fetch(`${served.base}/fn/no/such/function`)).text()).toBe('no/such/function')
  })

  it('builds a v1 (REST proxy) event when meta.lambda.event is v1, with multi-value headers and query', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/rest?a=1&a=2`, { headers: { authorization: `Bearer ${tokens.getToken({ uid: 'u2' })}` } })
    expect(response.status).toBe(201)
    expect(response.headers.get('x-many')).toBe('one, two')
    const { event } = await json(response)
    expect(event).toMatchObject({
      resource: '/rest',
      path: '/fn/rest',
      httpMethod: 'GET',
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { httpMethod: 'GET', identity: { sourceIp: '127.0.0.1' }, authorizer: { claims: { uid: 'u2' } } },
    })
    expect(event.multiValueHeaders.authorization).toEqual([expect.stringMatching(/^Bearer /)])
  })

  it('builds a function URL event when meta.lambda.event is url', async () => {
    served = await start()
    const { event } = await json(await fetch(`${served.base}/fn/url`))
    expect(event).toMatchObject({ version: '2.0', routeKey: '$default', rawPath: '/fn/url', requestContext: { stage: '$default', http: { method: 'GET' } } })
    expect(event).not.toHaveProperty('pathParameters')
  })

  it('runs a callback-style handler(event, context, callback)', async () => {
    served = await start()
    expect(await (await fetch(`${served.base}/fn/callback`, { method: 'PUT' })).text()).toBe('callback PUT')
  })

  it('sends a v2 plain object as 200 JSON', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/plain`)
    expect([response.status, response.headers.get('content-type'), await response.json()]).toEqual([200, 'application/json', { ok: true, path: '/fn/plain' }])
  })

  it('round-trips a binary body through isBase64Encoded', async () => {
    served = await start()
    const bytes = new Uint8Array([0, 255, 1, 254, 128, 10, 13])
    const response = await fetch(`${served.base}/fn/binary`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
    expect(response.headers.get('x-in')).toBe('true')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes)
  })

  it('answers a result API Gateway would refuse with 502 INVALID_LAMBDA_RESULT, and a bad meta with INVALID_LAMBDA_CONFIG', async () => {
    served = await start()
    for (const name of ['noStatus', 'objectBody', 'badStatus']) {
      const response = await fetch(`${served.base}/fn/${name}`)
      expect([name, response.status, (await json(response)).code]).toEqual([name, 502, 'INVALID_LAMBDA_RESULT'])
    }
    const config = await fetch(`${served.base}/fn/badConfig`)
    expect([config.status, (await json(config)).code]).toEqual([500, 'INVALID_LAMBDA_CONFIG'])
    const thrown = await fetch(`${served.base}/fn/throws`)
    expect([thrown.status, (await json(thrown)).code]).toEqual([500, 'FUNCTION_ERROR'])
  })

  it('cloud.invoke calls a handler the way Lambda direct invoke does: the payload is the event, the result comes back as is', async () => {
    served = await start()
    expect(await json(await fetch(`${served.base}/fn/caller`))).toEqual({ event: { order: 7 }, remaining: 'number' })
  })

  it('builds the event from the context as interceptors left it', async () => {
    served = await serve(express, FUNCTIONS, {
      executor: { sandbox: sandbox(), interceptors: [(ctx: any, next: () => Promise<unknown>) => ((ctx.body = { replaced: true }), next())] },
    })
    const response = await fetch(`${served.base}/fn/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"original": 1}' })
    expect((await json(response)).event.body).toBe('{"replaced":true}')
  })
})
