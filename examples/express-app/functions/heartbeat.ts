// Runs every 5 seconds through the demo's scheduler (see src/features/cron.js): one document per tick in "heartbeats".
// Over HTTP it only reports the last beat; the __interceptor__ lets cron triggers in without a token.
import cloud from '@scraping-run/cloud'
import type { FunctionContext } from '@scraping-run/cloud'

export const meta = { schedule: '*/5 * * * * *' }

export default async function (ctx: FunctionContext) {
  const beats = cloud.mongo.db.collection<{ at: string; name: string }>('heartbeats')
  if (ctx.trigger.kind === 'cron') {
    await beats.insertOne({ at: ctx.trigger.scheduledAt, name: ctx.trigger.name })
    return { beat: ctx.trigger.scheduledAt }
  }
  const [last] = await beats.find({}).sort({ at: -1 }).limit(1).toArray()
  return { last: last?.at ?? null }
}
