// The web-standard Request inside an isolate (functions that build requests, or hand them to fetch).
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { createExecutor, isolateSandbox, isolateUnavailableReason, memoryStore, type Executor, type FunctionRecordInput } from '@scraping-run/runtime-core'

const open: Executor[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})
function isolated(records: FunctionRecordInput[], allow: string[] = []): Executor {
  const executor = createExecutor({ store: memoryStore(records), sandbox: isolateSandbox({ warmIsolates: 1, fetch: { allow } }) })
  open.push(executor)
  return executor
}

const reason = await isolateUnavailableReason()
describe.skipIf(reason !== null)(`Request in isolateSandbox${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('builds requests as the standard does: method, headers, body readers once, clone, defaults', async () => {
    const source = `export default async () => {
      const req = new Request('https://api.example.com/a/../items?x=1', { method: 'post', headers: { 'X-Key': 'k' }, body: JSON.stringify({ a: 1 }) })
      const copy = req.clone()
      const first = await req.json()
      let again = 'no error'
      try { await req.text() } catch (e: any) { again = e.constructor.name }
      let getBody = 'no error'
      try { new Request('https://x.test', { body: 'x' }) } catch (e: any) { getBody = e.constructor.name }
      const form = new Request('https://x.test', { method: 'PUT', body: new URLSearchParams({ q: 'a b' }) })
      return { url: req.url, method: req.method, key: req.headers.get('x-key'), type: req.headers.get('content-type'), first, again,
        copy: await copy.text(), used: [req.bodyUsed, copy.bodyUsed], getBody, form: [form.headers.get('content-type'), await form.text()],
        plain: [new Request('https://x.test/').method, await new Request('https://x.test/').text()], instance: req instanceof Request }
    }`
    const result = await isolated([{ name: 'build', source }]).invoke('build')
    expect(result.error).toBeUndefined()
    expect(result.data).toEqual({
      url: 'https://api.example.com/items?x=1',
      method: 'POST',
      key: 'k',
      type: 'text/plain;charset=UTF-8',
      first: { a: 1 },
      again: 'TypeError',
      copy: '{"a":1}',
      used: [true, true],
      getBody: 'TypeError',
      form: ['application/x-www-form-urlencoded;charset=UTF-8', 'q=a+b'],
      plain: ['GET', ''],
      instance: true,
    })
  })

  it('fetch(request) sends its method, headers and body (init wins), through the same host checks', async () => {
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => res.end(JSON.stringify({ method: req.method, path: req.url, key: req.headers['x-key'] ?? null, body })))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/echo`
    const source = `export default async (ctx: any) => {
      const req = new Request(ctx.body.url, { method: 'PUT', headers: { 'x-key': 'k1' }, body: 'payload' })
      const sent = await (await fetch(req)).json()
      const overridden = await (await fetch(new Request(ctx.body.url, { method: 'POST', body: 'a' }), { method: 'PATCH', body: 'b' })).json()
      return { sent, overridden }
    }`
    try {
      const refused = await isolated([{ name: 'send', source }]).invoke('send', { body: { url } })
      expect(refused.error?.message).toMatch(/allow/)
      const result = await isolated([{ name: 'send', source }], ['127.0.0.1']).invoke('send', { body: { url } })
      expect(result.data).toEqual({
        sent: { method: 'PUT', path: '/echo', key: 'k1', body: 'payload' },
        overridden: { method: 'PATCH', path: '/echo', key: null, body: 'b' },
      })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
