// The example's functions over real HTTP, in the vm sandbox and (when isolated-vm can run here) in an isolate: the CRUD
// handler with its CORS preflight and {message, details} errors, and the streaming chat read event by event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start } from '../src/server.js'

for (const sandbox of ['vm', 'isolate']) {
  describe(`examples/lambda (${sandbox})`, () => {
    let app: Awaited<ReturnType<typeof start>>
    let base: string
    beforeAll(async () => {
      app = await start({ port: 0, sandbox })
      base = `http://127.0.0.1:${app.port}/fn`
    })
    afterAll(() => app?.close())

    it('lists both unchanged handlers in the OpenAPI document', async () => {
      const document = await (await fetch(`${base}/_/openapi.json`)).json()
      expect(document).toMatchObject({ openapi: '3.1.0', info: { title: 'Lambda example' }, servers: [{ url: '/fn' }] })
      expect(Object.keys(document.paths).sort()).toEqual(['/chat', '/problems'])
      expect(Object.keys(document.paths['/problems'])).toEqual(expect.arrayContaining(['get', 'post', 'put', 'delete']))
    })

    it('answers the CORS preflight', async () => {
      const response = await fetch(`${base}/problems`, { method: 'OPTIONS' })
      expect([response.status, response.headers.get('access-control-allow-methods')]).toEqual([204, 'GET,POST,PUT,DELETE,OPTIONS'])
    })

    it('creates, lists, reads, updates and deletes a problem', async () => {
      const send = (method: string, path: string, body?: unknown) =>
        fetch(`${base}/problems${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })
      const created = await send('POST', '', { title: 'Two sums', level: 'medium' })
      expect(created.status).toBe(201)
      const item = await created.json()
      expect(item).toEqual({ id: expect.any(String), title: 'Two sums', level: 'medium' })
      expect((await (await send('GET', '')).json()).items).toContainEqual(item)
      expect(await (await send('GET', `/${item.id}`)).json()).toEqual(item)
      expect(await (await send('PUT', `/${item.id}`, { level: 'hard' })).json()).toEqual({ ...item, level: 'hard' })
      expect((await send('DELETE', `/${item.id}`)).status).toBe(204)
      const gone = await send('GET', `/${item.id}`)
      expect([gone.status, await gone.json()]).toEqual([404, { message: 'problem not found', details: { id: item.id } }])
    })

    it('answers bad input with {message, details}', async () => {
      const invalid = await fetch(`${base}/problems`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"level":"impossible"}' })
      expect([invalid.status, await invalid.json()]).toEqual([
        400,
        { message: 'invalid problem', details: [{ field: 'title', issue: 'required' }, { field: 'level', issue: 'one of easy, medium, hard' }] },
      ])
      const notJson = await fetch(`${base}/problems`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{oops' })
      expect([notJson.status, (await notJson.json()).message]).toEqual([400, 'the body is not JSON'])
    })

    it('streams the chat answer as Server-Sent Events, token by token, ending with [DONE]', async () => {
      const response = await fetch(`${base}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' })
      expect([response.status, response.headers.get('content-type')]).toEqual([200, 'text/event-stream'])
      const decoder = new TextDecoder()
      const reader = response.body!.getReader()
      let text = ''
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        text += decoder.decode(value, { stream: true })
      }
      const events = text.trim().split('\n\n')
      expect(events[0]).toBe('id: 0\nevent: token\ndata: {"token":"You "}')
      expect(events.at(-1)).toBe('data: [DONE]')
      const answer = events.slice(0, -1).map((event) => JSON.parse(event.split('data: ')[1]!).token).join('')
      expect(answer).toBe('You asked: "hi". Here is a streamed answer, one token at a time. ')
    })
  })
}
