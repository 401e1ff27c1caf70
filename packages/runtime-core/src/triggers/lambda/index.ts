import type { InvocationContext } from '../../executor/abort.js'
import { RuntimeError } from '../../errors.js'
import type { JsonValue } from '../../sandbox/protocol.js'
import type { PlainLambda } from '../../sandbox/stream-kit.js'
import type { InvokeInit } from '../../types.js'
import { buildEvent, type LambdaEventVersion } from './events.js'

export type { LambdaEventVersion } from './events.js'
export { sendLambdaResult } from './result.js'

const VERSIONS: Record<string, LambdaEventVersion> = { v1: 'v1', '1.0': 'v1', v2: 'v2', '2.0': 'v2', url: 'url' }

/** `export const meta = { lambda: { event: 'v1' | 'v2' | 'url', memoryLimitInMB? } }`; v2 when unset. */
export function lambdaSettings(meta: JsonValue | undefined, name: string): { version: LambdaEventVersion; memoryLimitInMB: number } {
  const lambda = (meta as { lambda?: { event?: unknown; memoryLimitInMB?: unknown } } | undefined)?.lambda
  const event = lambda?.event ?? 'v2'
  const version = typeof event === 'string' ? VERSIONS[event] : undefined
  if (!version) throw new RuntimeError('INVALID_LAMBDA_CONFIG', `${name}: meta.lambda.event is ${JSON.stringify(event)}; use 'v1', 'v2' or 'url'`)
  const memory = Number(lambda?.memoryLimitInMB ?? 128)
  return { version, memoryLimitInMB: Number.isFinite(memory) && memory > 0 ? memory : 128 }
}

/**
 * What a Lambda-style handler is called with. Over HTTP: the event API Gateway (or a function URL) would send; from any
 * other entry point (cloud.invoke, cron, MCP): the payload itself, as Lambda's direct invoke passes it.
 */
export function lambdaInput(ctx: InvocationContext, init: InvokeInit, target: string, meta: JsonValue | undefined, timeoutMs: number): { lambda: PlainLambda; version?: LambdaEventVersion } {
  const settings = lambdaSettings(meta, target)
  const now = Date.now()
  const context = {
    functionName: target,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${target.replace(/[^A-Za-z0-9_-]/g, '-')}`,
    memoryLimitInMB: String(settings.memoryLimitInMB),
    awsRequestId: ctx.requestId,
    logGroupName: `/aws/lambda/${target}`,
    logStreamName: ctx.requestId,
  }
  const deadline = now + timeoutMs
  if (ctx.trigger.kind !== 'http' || !init.request) return { lambda: { event: ctx.body ?? {}, context, deadline } }
  const url = init.request.url ?? '/'
  const at = url.indexOf('?')
  const event = buildEvent(settings.version, {
    method: ctx.method,
    path: ctx.path,
    rawQueryString: at < 0 ? '' : url.slice(at + 1),
    headers: ctx.headers,
    body: ctx.body,
    // The bytes as received, unless an interceptor replaced the body.
    ...(init.rawBody && ctx.body === init.body ? { rawBody: init.rawBody } : {}),
    requestId: ctx.requestId,
    user: ctx.user,
    ...(init.subpath !== undefined ? { proxy: init.subpath } : {}),
    functionName: target,
    request: init.request,
    time: new Date(now),
  })
  return { lambda: { event, context, deadline }, version: settings.version }
}
