// Greets the caller. Try it with a JSON body {"name": "Ada"} or ?name=Ada.
import type { FunctionContext } from '@scraping-run/cloud'

export default async function (ctx: FunctionContext<{ name?: string } | undefined>) {
  const name = ctx.body?.name ?? (ctx.query.name as string | undefined) ?? 'world'
  return { message: `Hello, ${name}!`, user: ctx.user?.uid ?? null, via: ctx.trigger.kind }
}
