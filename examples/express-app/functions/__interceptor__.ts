// Runs before every function, on every entry point (HTTP, cloud.invoke, cron, MCP, WebSocket). Callers need a token
// (Authorization: Bearer …), except cron triggers, which prove themselves with a trigger token instead.
import type { FunctionContext } from '@scraping-run/cloud'

export default async function (ctx: FunctionContext, next: () => Promise<unknown>) {
  if (ctx.trigger.kind === 'cron' || ctx.trigger.kind === 'init') return next()
  if (!ctx.user) {
    if (ctx.response) ctx.response.statusCode = 401
    return { error: 'a token is required: send Authorization: Bearer <token>', function: ctx.functionName }
  }
  return next()
}
