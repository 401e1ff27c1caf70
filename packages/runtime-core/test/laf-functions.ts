// Functions written as LAF's documentation writes them (`import cloud from '@lafjs/cloud'`, `FunctionContext`,
// `ctx.request`, `ctx.response`, `cloud.fetch`, `@/` imports, `__interceptor__`), each with a request and the answer LAF's
// runtime gives it (from labring/laf runtimes/nodejs: handler/invoke.ts, support/engine). The LAF profile is measured by
// how many of them get LAF's answer.
import type { FunctionRecordInput } from '@scraping-run/runtime-core'

export interface LafCase {
  name: string
  /** What the function is about, for the figure's breakdown. */
  area: 'request' | 'response' | 'auth' | 'interceptor' | 'import' | 'database' | 'env' | 'sdk'
  request: { method?: string; path?: string; body?: unknown; headers?: Record<string, string>; query?: string }
  /** LAF's answer: status, content type (its start), and the body (text, or JSON when an object). */
  laf: { status: number; type?: string | null; body: unknown }
}

const ts = (source: string) => source.trim()

export const LAF_FUNCTIONS: FunctionRecordInput[] = [
  { name: 'hello', source: ts(`
import cloud from '@lafjs/cloud'
export default async function (ctx: FunctionContext) {
  return 'hello, ' + (ctx.query.name ?? 'laf')
}`) },
  { name: 'nothing', source: ts(`
export default async function (ctx: FunctionContext) {
  console.log('side effect only')
}`) },
  { name: 'echo', source: ts(`
export default async function (ctx: FunctionContext) {
  const { body, query, method } = ctx
  return { body, query, method }
}`) },
  { name: 'count', source: ts(`
export default async function (ctx: FunctionContext) {
  return 42
}`) },
  { name: 'params', source: ts(`
export default async function (ctx: FunctionContext) {
  return { name: ctx.request.params.name, fn: ctx.__function_name }
}`) },
  { name: 'header', source: ts(`
export default async function (ctx: FunctionContext) {
  return ctx.headers['x-custom']
}`) },
  { name: 'created', source: ts(`
export default async function (ctx: FunctionContext) {
  ctx.response.status(201)
  ctx.response.setHeader('x-laf', 'yes')
  return { created: true }
}`) },
  { name: 'sent', source: ts(`
export default async function (ctx: FunctionContext) {
  ctx.response.send({ sent: true })
}`) },
  { name: 'chunks', source: ts(`
export default async function (ctx: FunctionContext) {
  ctx.response.setHeader('content-type', 'text/plain')
  ctx.response.write('a')
  ctx.response.write('b')
  ctx.response.end('c')
}`) },
  { name: 'fails', source: ts(`
export default async function (ctx: FunctionContext) {
  throw new Error('db password is hunter2')
}`) },
  { name: 'whoami', source: ts(`
export default async function (ctx: FunctionContext) {
  if (!ctx.user) return { error: 'not signed in' }
  return { uid: ctx.user.uid, auth: ctx.auth?.uid }
}`) },
  { name: 'login', source: ts(`
import cloud from '@lafjs/cloud'
export default async function (ctx: FunctionContext) {
  const token = cloud.getToken({ uid: ctx.body.uid, exp: Math.floor(Date.now() / 1000) + 60 })
  return { uid: cloud.parseToken(token).uid }
}`) },
  { name: 'utils', source: ts(`
export function add(a: number, b: number) {
  return a + b
}
export default async function () {
  return 'utils'
}`) },
  { name: 'sum', source: ts(`
import { add } from '@/utils'
export default async function (ctx: FunctionContext) {
  return { sum: add(ctx.body.a, ctx.body.b) }
}`) },
  { name: 'caller', source: ts(`
import cloud from '@lafjs/cloud'
export default async function (ctx: FunctionContext) {
  return { got: await cloud.invoke('hello', { query: { name: 'inner' } }) }
}`) },
  { name: 'todos', source: ts(`
import cloud from '@lafjs/cloud'
const db = cloud.database()
export default async function (ctx: FunctionContext) {
  const added = await db.collection('todos').add({ title: ctx.body.title, done: false })
  await db.collection('todos').doc(added.id).update({ done: true })
  const { data } = await db.collection('todos').where({ _id: added.id }).getOne()
  return { idType: typeof added.id, title: data.title, done: data.done }
}`) },
  { name: 'env', source: ts(`
import cloud from '@lafjs/cloud'
export default async function (ctx: FunctionContext) {
  return { fromProcess: process.env.APP_NAME, fromCloud: cloud.env.APP_NAME }
}`) },
  { name: 'proxyget', source: ts(`
import cloud from '@lafjs/cloud'
export default async function (ctx: FunctionContext) {
  const res = await cloud.fetch.get(ctx.query.url + '/echo', { params: { via: 'fetch' } })
  return { status: res.status, query: res.data.query }
}`) },
  { name: 'shared', source: ts(`
import cloud from '@lafjs/cloud'
export default async function (ctx: FunctionContext) {
  const n = (cloud.shared.get('n') ?? 0) + 1
  cloud.shared.set('n', n)
  return { n: n > 0 }
}`) },
  { name: 'legacy', source: ts(`
export async function main(ctx: FunctionContext) {
  return { main: true }
}`) },
  { name: '__interceptor__', source: ts(`
export default async function (ctx: FunctionContext, next) {
  if (ctx.headers['x-block']) {
    ctx.response.status(403).send('blocked by interceptor')
    return
  }
  return await next(ctx)
}`) },
]

export const LAF_CASES: LafCase[] = [
  { name: 'hello', area: 'response', request: { method: 'GET', query: 'name=ada' }, laf: { status: 200, type: 'text/html', body: 'hello, ada' } },
  { name: 'nothing', area: 'response', request: {}, laf: { status: 200, type: null, body: '' } },
  { name: 'echo', area: 'request', request: { body: { a: 1 }, query: 'q=x' }, laf: { status: 200, type: 'application/json', body: { body: { a: 1 }, query: { q: 'x' }, method: 'POST' } } },
  { name: 'count', area: 'response', request: {}, laf: { status: 200, type: 'text/html', body: '42' } },
  { name: 'params', area: 'request', request: {}, laf: { status: 200, type: 'application/json', body: { name: 'params', fn: 'params' } } },
  { name: 'header', area: 'request', request: { headers: { 'x-custom': 'custom value' } }, laf: { status: 200, type: 'text/html', body: 'custom value' } },
  { name: 'created', area: 'response', request: {}, laf: { status: 201, type: 'application/json', body: { created: true } } },
  { name: 'sent', area: 'response', request: {}, laf: { status: 200, type: 'application/json', body: { sent: true } } },
  { name: 'chunks', area: 'response', request: {}, laf: { status: 200, type: 'text/plain', body: 'abc' } },
  { name: 'fails', area: 'response', request: {}, laf: { status: 500, type: 'application/json', body: { error: 'Internal Server Error', requestId: '<id>' } } },
  { name: 'whoami', area: 'auth', request: { headers: { authorization: 'Bearer <token uid=u1>' } }, laf: { status: 200, type: 'application/json', body: { uid: 'u1', auth: 'u1' } } },
  { name: 'whoami', area: 'auth', request: {}, laf: { status: 200, type: 'application/json', body: { error: 'not signed in' } } },
  { name: 'login', area: 'auth', request: { body: { uid: 'u9' } }, laf: { status: 200, type: 'application/json', body: { uid: 'u9' } } },
  { name: 'sum', area: 'import', request: { body: { a: 2, b: 3 } }, laf: { status: 200, type: 'application/json', body: { sum: 5 } } },
  { name: 'caller', area: 'sdk', request: {}, laf: { status: 200, type: 'application/json', body: { got: 'hello, inner' } } },
  { name: 'todos', area: 'database', request: { body: { title: 'buy milk' } }, laf: { status: 200, type: 'application/json', body: { idType: 'string', title: 'buy milk', done: true } } },
  { name: 'env', area: 'env', request: {}, laf: { status: 200, type: 'application/json', body: { fromProcess: 'laf-app', fromCloud: 'laf-app' } } },
  { name: 'proxyget', area: 'sdk', request: { query: 'url=<base>' }, laf: { status: 200, type: 'application/json', body: { status: 200, query: { via: 'fetch' } } } },
  { name: 'shared', area: 'sdk', request: {}, laf: { status: 200, type: 'application/json', body: { n: true } } },
  { name: 'legacy', area: 'request', request: {}, laf: { status: 200, type: 'application/json', body: { main: true } } },
  { name: 'hello', area: 'interceptor', request: { headers: { 'x-block': '1' } }, laf: { status: 403, type: 'text/html', body: 'blocked by interceptor' } },
]
