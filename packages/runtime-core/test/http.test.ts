import { gzipSync } from 'node:zlib'
import { createTokenHelpers } from '@scraping-run/cloud'
import { afterEach, describe, expect, it } from 'vitest'
import { EXPRESS_VERSIONS, json, serve, type Served } from './helpers.js'

const tokens = createTokenHelpers('test-secret')
let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

const FUNCTIONS = [
  { name: 'hello', source: 'export default async (ctx: any) => ({ hello: ctx.body?.name ?? "world", method: ctx.method, requestId: ctx.requestId })' },
  { name: 'text', source: 'export default () => "plain text"' },
  { name: 'bytes', source: 'export default () => Buffer.from([1, 2, 3])' },
  { name: 'nothing', source: 'export default () => {}' },
  { name: 'status', source: 'export default (ctx: any) => { ctx.response.statusCode = 422; return { invalid: true } }' },
  { name: 'echo', source: 'export default (ctx: any) => ({ body: Buffer.isBuffer(ctx.body) ? ["buffer", ...ctx.body] : ctx.body, query: ctx.query, files: (ctx.files ?? []).map((f: any) => [f.fieldname, f.originalname, f.buffer.toString()]) })' },
  { name: 'whoami', source: 'export default (ctx: any) => ({ user: ctx.user })' },
  { name: 'getOnly', source: 'export default (ctx: any) => ({ kind: ctx.trigger.kind })', methods: ['GET'] },
  { name: 'self', source: 'export default (ctx: any) => { ctx.response.setHeader("content-type", "text/csv"); ctx.response.end("a,b") ; return { ignored: true } }' },
  {
    name: 'stream',
    source: `export default (ctx: any) => {
      const res = ctx.response
      res.setHeader('content-type', 'text/plain')
      res.write('one ')
      setTimeout(() => res.write('two '), 20)
      setTimeout(() => res.end('three'), 40)
    }`,
  },
  { name: 'throws', source: 'export default () => {\n  throw new Error("kaput")\n}' },
  { name: 'throwsString', source: 'export default () => { throw "just a string" }' },
  { name: 'circular', source: 'export default () => { const o: any = { a: 1 }; o.self = o; return o }' },
  { name: 'bigint', source: 'export default () => ({ n: 10n })' },
  { name: 'hang', source: 'export default () => new Promise(() => {})', timeoutMs: 100 },
]

describe.each(EXPRESS_VERSIONS)('functionsMiddleware on %s', (_label, express) => {
  it('runs POST /fn/hello with a JSON body, echoing or generating the request id', async () => {
    served = await serve(express, FUNCTIONS)
    const response = await fetch(`${served.base}/fn/hello`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123' },
      body: JSON.stringify({ name: 'Ada' }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    expect(response.headers.get('x-request-id')).toBe('abc-123')
    expect(await json(response)).toEqual({ hello: 'Ada', method: 'POST', requestId: 'abc-123' })
    const generated = await fetch(`${served.base}/fn/hello`)
    const id = generated.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(((await generated.json()) as any).requestId).toBe(id)
  })

  it('maps results: string → text, Buffer → octet-stream, undefined → 204, status set by the function kept', async () => {
    served = await serve(express, FUNCTIONS)
    const text = await fetch(`${served.base}/fn/text`)
    expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([200, 'text/plain; charset=utf-8', 'plain text'])
    const bytes = await fetch(`${served.base}/fn/bytes`)
    expect(bytes.headers.get('content-type')).toBe('application/octet-stream')
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3])
    const nothing = await fetch(`${served.base}/fn/nothing`)
    expect([nothing.status, await nothing.text()]).toEqual([204, ''])
    const status = await fetch(`${served.base}/fn/status`)
    expect([status.status, await status.json()]).toEqual([422, { invalid: true }])
  })

  it('leaves a response the function wrote itself alone, even one that keeps streaming after it returns', async () => {
    served = await serve(express, FUNCTIONS)
    const self = await fetch(`${served.base}/fn/self`)
    expect([self.headers.get('content-type'), await self.text()]).toEqual(['text/csv', 'a,b'])
    const stream = await fetch(`${served.base}/fn/stream`)
    expect([stream.status, await stream.text()]).toEqual([200, 'one two three'])
  })

  it('parses urlencoded, text, raw and multipart bodies, and query strings', async () => {
    served = await serve(express, FUNCTIONS)
    const post = (body: any, type?: string) =>
      fetch(`${served!.base}/fn/echo?x=1`, { method: 'POST', body, ...(type ? { headers: { 'content-type': type } } : {}) }).then((r) => r.json() as Promise<any>)
    expect(await post('a=1&b=2&b=3', 'application/x-www-form-urlencoded')).toMatchObject({ body: { a: '1', b: ['2', '3'] }, query: { x: '1' } })
    expect((await post('some text', 'text/plain')).body).toBe('some text')
    expect((await post(new Uint8Array([7, 8]), 'application/octet-stream')).body).toEqual(['buffer', 7, 8])
    const form = new FormData()
    form.append('title', 'report')
    form.append('upload', new Blob(['file content'], { type: 'text/plain' }), 'notes.txt')
    expect(await post(form)).toMatchObject({ body: { title: 'report' }, files: [['upload', 'notes.txt', 'file content']] })
  })

  it('inflates gzip bodies, applying the limit to the inflated size', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { bodyLimit: '2kb' } })
    const send = (text: string) =>
      fetch(`${served!.base}/fn/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(text) })
    expect((await json(await send('{"zipped":true}'))).body).toEqual({ zipped: true })
    const bomb = await send(JSON.stringify({ x: 'y'.repeat(100_000) }))
    expect([bomb.status, (await json(bomb)).code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
    const broken = await fetch(`${served.base}/fn/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip' })
    expect([broken.status, (await json(broken)).code]).toEqual([400, 'BAD_REQUEST'])
  })

  it('uses a body a host middleware already parsed', async () => {
    served = await serve(express, FUNCTIONS, { before: (app) => app.use((express as any).json()) })
    const response = await fetch(`${served.base}/fn/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pre":true}' })
    expect((await json(response)).body).toEqual({ pre: true })
  })

  it('answers 404, 400 for malformed JSON, 413 for a body over the limit', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { bodyLimit: '1kb' } })
    const missing = await fetch(`${served.base}/fn/nope`, { method: 'POST' })
    expect(missing.status).toBe(404)
    expect(await json(missing)).toMatchObject({ code: 'FUNCTION_NOT_FOUND', requestId: missing.headers.get('x-request-id') })
    expect((await fetch(`${served.base}/fn/__interceptor__`)).status).toBe(404)
    const malformed = await fetch(`${served.base}/fn/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' })
    expect([malformed.status, (await json(malformed)).code]).toEqual([400, 'BAD_REQUEST'])
    const large = await fetch(`${served.base}/fn/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(2048) })
    expect([large.status, (await json(large)).code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
  })

  it('answers 405 for methods the record does not list, unless a trigger token marks a cron call', async () => {
    served = await serve(express, FUNCTIONS)
    expect((await fetch(`${served.base}/fn/getOnly`)).status).toBe(200)
    const refused = await fetch(`${served.base}/fn/getOnly`, { method: 'POST' })
    expect([refused.status, (await json(refused)).code]).toEqual([405, 'METHOD_NOT_ALLOWED'])
    const cron = await fetch(`${served.base}/fn/getOnly`, {
      method: 'POST',
      headers: { 'x-scraping-run-trigger-token': tokens.getToken({ type: 'trigger' }) },
    })
    expect([cron.status, await cron.json()]).toEqual([200, { kind: 'cron' }])
    for (const bad of [tokens.getToken({ type: 'develop' }), 'garbage', createTokenHelpers('other').getToken({ type: 'trigger' })]) {
      const forbidden = await fetch(`${served.base}/fn/getOnly`, { method: 'POST', headers: { 'x-scraping-run-trigger-token': bad } })
      expect([forbidden.status, (await json(forbidden)).code]).toEqual([403, 'FORBIDDEN'])
    }
  })

  it('sets ctx.user from a valid Bearer token, and null (not an error) for an invalid one', async () => {
    served = await serve(express, FUNCTIONS)
    const valid = await fetch(`${served.base}/fn/whoami`, { headers: { authorization: `Bearer ${tokens.getToken({ uid: 'u1' })}` } })
    expect((await json(valid)).user).toMatchObject({ uid: 'u1' })
    const invalid = await fetch(`${served.base}/fn/whoami`, { headers: { authorization: 'Bearer not.a.jwt' } })
    expect([invalid.status, await invalid.json()]).toEqual([200, { user: null }])
  })

  it('answers 500 {error, code, requestId} without a stack for throws of any kind, circular results and timeouts', async () => {
    served = await serve(express, FUNCTIONS)
    const thrown = await fetch(`${served.base}/fn/throws`)
    const body = await thrown.json()
    expect(thrown.status).toBe(500)
    expect(body).toEqual({ error: 'kaput', code: 'FUNCTION_ERROR', requestId: thrown.headers.get('x-request-id') })
    const string = await fetch(`${served.base}/fn/throwsString`)
    expect([string.status, (await json(string)).error]).toEqual([500, 'just a string'])
    for (const name of ['circular', 'bigint']) {
      const garbage = await fetch(`${served.base}/fn/${name}`)
      expect([garbage.status, (await json(garbage)).code]).toEqual([500, 'INVALID_RESULT'])
    }
    const hang = await fetch(`${served.base}/fn/hang`)
    expect([hang.status, (await json(hang)).code]).toEqual([500, 'TIMEOUT'])
    // The host is still serving.
    expect((await fetch(`${served.base}/fn/hello`)).status).toBe(200)
  })

  it('answers CORS preflights and sets CORS headers when cors is on', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { cors: true } })
    const preflight = await fetch(`${served.base}/fn/hello`, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type')
    const actual = await fetch(`${served.base}/fn/hello`, { headers: { origin: 'http://example.test' } })
    expect(actual.headers.get('access-control-allow-origin')).toBe('*')
  })
})

const GUARDED = [
  {
    name: '__interceptor__',
    source: `export default async function (ctx: any, next: () => Promise<unknown>) {
      if (ctx.trigger.kind === 'cron') return next()
      if (!ctx.user) { ctx.response?.status?.(401); if (ctx.response) ctx.response.statusCode = 401; return { error: 'token required', name: ctx.functionName } }
      return next()
    }`,
  },
  { name: 'job', source: 'export default (ctx: any) => ({ ran: ctx.functionName, kind: ctx.trigger.kind })', methods: ['GET'] },
  { name: 'chain', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.invoke("job")' },
]

describe.each(EXPRESS_VERSIONS)('__interceptor__ over HTTP on %s', (_label, express) => {
  it('guards every entry point, lets cron triggers through, and sees cloud.invoke calls', async () => {
    served = await serve(express, GUARDED)
    const anonymous = await fetch(`${served.base}/fn/job`)
    expect([anonymous.status, await anonymous.json()]).toEqual([401, { error: 'token required', name: 'job' }])
    const cron = await fetch(`${served.base}/fn/job`, { headers: { 'x-scraping-run-trigger-token': tokens.getToken({ type: 'trigger' }) } })
    expect([cron.status, await cron.json()]).toEqual([200, { ran: 'job', kind: 'cron' }])
    const user = { authorization: `Bearer ${tokens.getToken({ uid: 'u1' })}` }
    const chained = await fetch(`${served.base}/fn/chain`, { method: 'POST', headers: user })
    expect([chained.status, await chained.json()]).toEqual([200, { ran: 'job', kind: 'invoke' }])
  })
})

describe.each(EXPRESS_VERSIONS)('client disconnect on %s', (_label, express) => {
  it('aborts ctx.signal when the client goes away before the answer', async () => {
    served = await serve(express, [
      {
        name: 'wait',
        source: `import cloud from '@scraping-run/cloud'
        export default (ctx: any) => new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => { cloud.shared.set('aborted', ctx.signal.reason.code); resolve('gone') })
        })`,
      },
      { name: 'check', source: 'import cloud from "@scraping-run/cloud"\nexport default () => ({ aborted: cloud.shared.get("aborted") ?? null })' },
    ])
    const controller = new AbortController()
    const pending = fetch(`${served.base}/fn/wait`, { signal: controller.signal }).catch((error) => error.name)
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort()
    expect(await pending).toBe('AbortError')
    let seen: unknown
    for (let i = 0; i < 100 && !(seen as any)?.aborted; i++) {
      seen = await json(await fetch(`${served.base}/fn/check`))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(seen).toEqual({ aborted: 'ABORTED' })
  })
})
