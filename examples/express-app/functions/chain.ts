// Calls two other functions with cloud.invoke. Those calls pass the __interceptor__ too (trigger kind "invoke"),
// with the caller's user.
import cloud from '@scraping-run/cloud'
import type { FunctionContext } from '@scraping-run/cloud'

export default async function (ctx: FunctionContext<{ name?: string } | undefined>) {
  const name = ctx.body?.name ?? 'chain'
  const greeting = await cloud.invoke<{ message: string }>('hello', { body: { name } })
  const echoed = await cloud.invoke<{ echo: string }>('echo', { body: { message: greeting.message, repeat: 2 } })
  return { greeting: greeting.message, echoed: echoed.echo }
}
