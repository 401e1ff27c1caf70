import { cookiesOf, eventBody, first, joinedHeaders, multiQuery, requestTime, sourceIp, type LambdaRequest } from './request.js'

/** The event formats a Lambda-style handler can be given: API Gateway HTTP API (v2), REST API proxy (v1), function URL. */
export type LambdaEventVersion = 'v1' | 'v2' | 'url'

const ACCOUNT = 'anonymous'
const API_ID = 'scraping-run'

function domainOf(request: LambdaRequest): string {
  return first(request.headers.host) ?? 'localhost'
}

/** API Gateway HTTP API, payload format 2.0 (also the shape of a function URL's event). */
export function eventV2(request: LambdaRequest, url = false): Record<string, unknown> {
  const query = multiQuery(request.rawQueryString)
  const cookies = cookiesOf(request.headers)
  const domainName = domainOf(request)
  const routeKey = url || request.proxy === undefined ? '$default' : `ANY /${request.functionName}/{proxy+}`
  const { body, isBase64Encoded } = eventBody(request)
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: request.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    // v2 moves the Cookie header into `cookies`.
    headers: joinedHeaders(request.headers, 'cookie'),
    ...(Object.keys(query).length ? { queryStringParameters: Object.fromEntries(Object.entries(query).map(([key, values]) => [key, values.join(',')])) } : {}),
    ...(!url && request.proxy !== undefined ? { pathParameters: { proxy: request.proxy } } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      ...(request.user ? { authorizer: url ? { iam: null, jwt: { claims: request.user, scopes: null } } : { jwt: { claims: request.user, scopes: null } } } : {}),
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: { method: request.method, path: request.path, protocol: `HTTP/${request.request?.httpVersion ?? '1.1'}`, sourceIp: sourceIp(request), userAgent: first(request.headers['user-agent']) ?? '' },
      requestId: request.requestId,
      routeKey,
      stage: '$default',
      time: requestTime(request.time),
      timeEpoch: request.time.getTime(),
    },
    isBase64Encoded,
  }
  if (body !== undefined) event.body = body
  return event
}

/** API Gateway REST API proxy integration, payload format 1.0. */
export function eventV1(request: LambdaRequest): Record<string, unknown> {
  const query = multiQuery(request.rawQueryString)
  const hasQuery = Object.keys(query).length > 0
  const multiValueHeaders: Record<string, string[]> = {}
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    multiValueHeaders[name] = Array.isArray(value) ? value.map(String) : [String(value)]
    headers[name] = multiValueHeaders[name]!.at(-1)!
  }
  const resource = request.proxy === undefined ? `/${request.functionName}` : `/${request.functionName}/{proxy+}`
  const { body, isBase64Encoded } = eventBody(request)
  return {
    resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? Object.fromEntries(Object.entries(query).map(([key, values]) => [key, values.at(-1)!])) : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: request.proxy === undefined ? null : { proxy: request.proxy },
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      ...(request.user ? { authorizer: { claims: request.user, principalId: request.user.uid ?? null } } : {}),
      domainName: domainOf(request),
      httpMethod: request.method,
      identity: { sourceIp: sourceIp(request), userAgent: first(request.headers['user-agent']) ?? null },
      path: request.path,
      protocol: `HTTP/${request.request?.httpVersion ?? '1.1'}`,
      requestId: request.requestId,
      requestTime: requestTime(request.time),
      requestTimeEpoch: request.time.getTime(),
      resourceId: API_ID,
      resourcePath: resource,
      stage: '$default',
    },
    body: body ?? null,
    isBase64Encoded,
  }
}

export function buildEvent(version: LambdaEventVersion, request: LambdaRequest): Record<string, unknown> {
  if (version === 'v1') return eventV1(request)
  return eventV2(request, version === 'url')
}
