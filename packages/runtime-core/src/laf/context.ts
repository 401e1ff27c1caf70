// The function's view under the LAF profile: LAF's handlers read `ctx.__function_name`, `ctx.auth` (the JWT payload, as
// `ctx.user`) and `ctx.request.params.name`. A vm function gets the real request with `params` filled in; an isolate,
// which never sees host objects, gets a plain `request` with the same data.
import type { IncomingMessage } from 'node:http'
import type { SandboxCall } from '../sandbox/protocol.js'

export function lafCall(call: SandboxCall): SandboxCall {
  const ctx = call.ctx
  const params = { name: ctx.functionName }
  const extra: Record<string, unknown> = { __function_name: ctx.functionName, auth: ctx.user }
  const request = call.host?.request as (IncomingMessage & { params?: Record<string, string> }) | undefined
  if (request) request.params = { ...(request.params ?? {}), ...params }
  else {
    extra.request = {
      params,
      method: ctx.method,
      path: ctx.path,
      url: ctx.path,
      headers: ctx.headers,
      query: ctx.query,
      body: ctx.body,
    }
  }
  return { ...call, ctx: { ...ctx, extra: { ...(ctx.extra ?? {}), ...extra } } }
}
