// Counts visits per page in MongoDB (the demo's embedded server) through cloud.mongo: ?page=home
import cloud from '@scraping-run/cloud'
import type { FunctionContext } from '@scraping-run/cloud'

export default async function (ctx: FunctionContext) {
  const page = String(ctx.query.page ?? 'home').slice(0, 100)
  const visits = cloud.mongo.db.collection<{ _id: string; count: number; last: Date }>('visits')
  await visits.updateOne({ _id: page }, { $inc: { count: 1 }, $set: { last: new Date() } }, { upsert: true })
  const doc = await visits.findOne({ _id: page })
  return { page, count: doc?.count ?? 0 }
}
