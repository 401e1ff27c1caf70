// The chat behind /ws (see src/features/websocket.js): everyone connected hears who joins, what is said and who leaves.
// A message is text or JSON ({"text": "…"}); the sender gets {ok, online} back as the reply to its message.
import cloud from '@scraping-run/cloud'
import type { FunctionContext } from '@scraping-run/cloud'

export default async function (ctx: FunctionContext) {
  if (ctx.trigger.kind !== 'websocket') return { error: 'this function answers WebSocket events at /ws' }
  const { event, connectionId } = ctx.trigger
  const name = ctx.user?.uid ?? 'guest'
  if (event === 'connection') {
    cloud.sockets.broadcast({ type: 'joined', name }, { except: connectionId })
    return { type: 'welcome', name, online: cloud.sockets.size }
  }
  if (event === 'close') {
    cloud.sockets.broadcast({ type: 'left', name })
    return
  }
  const text = typeof ctx.body === 'string' ? ctx.body : typeof ctx.body?.text === 'string' ? ctx.body.text : JSON.stringify(ctx.body)
  if (!text || text.length > 2000) return { type: 'error', error: 'send 1–2000 characters' }
  cloud.sockets.broadcast({ type: 'message', name, text }, { except: connectionId })
  return { type: 'sent', text, online: cloud.sockets.size }
}
