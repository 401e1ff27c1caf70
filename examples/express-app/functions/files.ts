// Notes in S3 through cloud.storage. POST {"name": "a.txt", "text": "…"} writes; GET ?name=a.txt reads; GET lists.
import cloud from '@scraping-run/cloud'
import type { FunctionContext } from '@scraping-run/cloud'

const PREFIX = 'notes/'

export default async function (ctx: FunctionContext) {
  const bucket = cloud.storage.bucket(cloud.env.DEMO_BUCKET ?? 'demo-files')
  if (ctx.method === 'POST') {
    const { name, text } = (ctx.body ?? {}) as { name?: unknown; text?: unknown }
    if (typeof name !== 'string' || !/^[\w.-]{1,100}$/.test(name) || typeof text !== 'string') {
      if (ctx.response) ctx.response.statusCode = 400
      return { error: 'send {"name": "<letters, digits, . _ ->", "text": "<string>"}' }
    }
    await bucket.writeFile(PREFIX + name, text, { contentType: 'text/plain; charset=utf-8' })
    return { saved: name, bytes: Buffer.byteLength(text) }
  }
  const name = ctx.query.name
  if (typeof name === 'string') {
    if (!(await bucket.exists(PREFIX + name))) {
      if (ctx.response) ctx.response.statusCode = 404
      return { error: `no note ${name}` }
    }
    return bucket.readFile(PREFIX + name, { encoding: 'utf8' })
  }
  const { files } = await bucket.listFiles({ prefix: PREFIX })
  return { notes: files.map((file) => ({ name: file.key.slice(PREFIX.length), size: file.size })) }
}
