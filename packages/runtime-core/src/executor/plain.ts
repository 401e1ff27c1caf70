import type { PlainContext, SandboxCall } from '../sandbox/protocol.js'
import type { InvokeInit } from '../types.js'
import type { InvocationContext } from './abort.js'

/** The context as it crosses into a sandbox, taken when the function starts (after interceptors changed it). */
export function plainContext(ctx: InvocationContext): PlainContext {
  const plain: PlainContext = {
    requestId: ctx.requestId,
    functionName: ctx.functionName,
    method: ctx.method,
    path: ctx.path,
    query: ctx.query,
    body: ctx.body,
    headers: ctx.headers,
    user: ctx.user,
    trigger: ctx.trigger,
    env: ctx.env,
  }
  // A Buffer is a Uint8Array, so uploaded files cross as they are.
  if (ctx.files) plain.files = ctx.files
  return plain
}

/** One sandbox call; host objects only for a sandbox that declared it takes them. */
export function sandboxCall(invocationId: string, ctx: PlainContext, init: InvokeInit, hostObjects: boolean): SandboxCall {
  if (hostObjects) {
    if (!init.request && !init.response) return { invocationId, ctx }
    return { invocationId, ctx, host: { ...(init.request ? { request: init.request } : {}), ...(init.response ? { response: init.response } : {}) } }
  }
  return init.response ? { invocationId, ctx, response: true } : { invocationId, ctx }
}
