// The WebSocket entry point's behaviour, run once per sandbox (vm and isolate).
import type { ClientOptions } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { cloud } from '@scraping-run/cloud'
import { RuntimeError, type Sandbox } from '@scraping-run/runtime-core'
import { Client, SECRET, start, until, type Running } from './websocket-support.js'

export function websocketSuite(name: string, sandbox: () => Sandbox): void {
  describe(`attachWebSocket (${name})`, () => {
    const running: Running[] = []
    const clients: Client[] = []
    afterEach(async () => {
      for (const client of clients.splice(0)) client.ws.terminate()
      while (running.length) await running.pop()!.close()
    })
    async function run(...args: Parameters<typeof start> extends [unknown, ...infer Rest] ? Rest : never): Promise<Running> {
      const app = await start(sandbox, ...args)
      running.push(app)
      return app
    }
    async function connect(app: Running, query = '', options?: ClientOptions): Promise<Client> {
      const client = await Client.open(app.url + query, options)
      clients.push(client)
      return client
    }
    const tokenFor = (app: Running, uid: string) => app.executor.getToken({ uid })

    it('refuses the upgrade with 401 when authenticate says no, before any event runs', async () => {
      const app = await run({ authenticate: (_req, user) => user })
      const refused = await Client.open(app.url).catch((error: { status?: number }) => error)
      expect((refused as { status?: number }).status).toBe(401)
      const bad = await Client.open(`${app.url}?token=not-a-token`).catch((error: { status?: number }) => error)
      expect((bad as { status?: number }).status).toBe(401)
      expect(app.events()).toEqual([])
      const ada = await connect(app, '', { headers: { authorization: `Bearer ${tokenFor(app, 'ada')}` } })
      expect(await ada.next()).toMatchObject({ uid: 'ada' })
    })

    it('runs connection, message and close events with ctx.user, trigger and the query (token removed)', async () => {
      const app = await run()
      const ada = await connect(app, `?room=lobby&token=${tokenFor(app, 'ada')}`)
      const hello = await ada.next()
      expect(hello).toEqual({ hello: expect.any(String), uid: 'ada' })
      expect(await ada.request({ text: 'hi' })).toEqual({ echo: { text: 'hi' }, uid: 'ada' })
      expect(await ada.request('plain words')).toEqual({ echo: 'plain words', uid: 'ada' })
      ada.ws.close(4000, 'bye')
      await until(() => app.events().some((event) => event.event === 'close'))
      const events = app.events()
      expect(events.map((event) => event.event)).toEqual(['connection', 'message', 'message', 'close'])
      for (const event of events) expect(event).toMatchObject({ kind: 'websocket', connectionId: hello.hello, uid: 'ada', room: 'lobby', path: '/ws' })
      expect(events[1]!.body).toEqual({ text: 'hi' })
      expect(events[3]!.body).toEqual({ code: 4000, reason: 'bye' })
      const anonymous = await connect(app)
      expect(await anonymous.next()).toMatchObject({ uid: null })
    })

    it('replies to the sender only, with text, JSON or bytes', async () => {
      const app = await run()
      const [ada, bob] = [await connect(app), await connect(app)]
      await Promise.all([ada.next(), bob.next()])
      expect(await ada.request({ n: 1 })).toEqual({ echo: { n: 1 }, uid: null })
      expect(await ada.request(new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([1, 2, 3]))
      expect(await bob.request({ n: 2 })).toEqual({ echo: { n: 2 }, uid: null })
      expect(ada.received).toHaveLength(3)
      // LAF's ctx.socket and ctx.method work as on LAF.
      expect(await bob.request({ self: true })).toBe('via ctx.socket')
      expect(await bob.next()).toEqual({ sent: true, method: 'WebSocket:message', socket: true, uid: null })
      expect(ada.received).toHaveLength(3)
    })

    it('broadcasts to every client through cloud.sockets (broadcast, forEach, send, size, get, user)', async () => {
      const app = await run()
      const ada = await connect(app, `?token=${tokenFor(app, 'ada')}`)
      const bob = await connect(app, `?token=${tokenFor(app, 'bob')}`)
      const [adaHello, bobHello] = [await ada.next(), await bob.next()]
      expect(await ada.request({ list: true })).toEqual({ size: 2, ids: [adaHello.hello, bobHello.hello].sort(), users: ['ada', 'bob'], has: true, self: 'ada' })

      ada.send({ broadcast: 'hello all' })
      const [toAda, toBob] = [await ada.next(), await bob.next()]
      expect(toAda).toEqual({ from: adaHello.hello, text: 'hello all' })
      expect(toBob).toEqual({ from: adaHello.hello, text: 'hello all' })
      expect(await ada.next()).toEqual({ sent: 2 })

      expect(await bob.request({ broadcast: 'not to me', except: true })).toEqual({ sent: 1 })
      expect(await ada.next()).toEqual({ from: bobHello.hello, text: 'not to me' })

      bob.send({ each: 'LAF style' })
      expect(await ada.next()).toBe('LAF style')
      expect(await bob.next()).toBe('LAF style')
      expect(await bob.next()).toEqual({ each: 2 })

      expect(await bob.request({ to: adaHello.hello, text: 'just you' })).toEqual({ sent: true })
      expect(await ada.next()).toBe('just you')
      expect(await bob.request({ to: 'nobody', text: 'x' })).toEqual({ sent: false })
      // The host sees the same connections, through the handle and through `cloud` outside any function.
      expect(app.handle.sockets.size).toBe(2)
      expect([...cloud.sockets].map((socket) => socket.user?.uid).sort()).toEqual(['ada', 'bob'])
      expect(app.handle.sockets.broadcast('from the host')).toBe(2)
      expect([await ada.next(), await bob.next()]).toEqual(['from the host', 'from the host'])
    })

    it('applies interceptors to every event; one refusing a message answers the sender with its code', async () => {
      const app = await run()
      const seen: string[] = []
      app.executor.use((ctx, next) => {
        if (ctx.trigger.kind === 'websocket') seen.push(ctx.trigger.event)
        if (ctx.trigger.kind === 'websocket' && ctx.body?.secret) throw new RuntimeError('FORBIDDEN', 'secrets are not allowed here')
        return next()
      })
      const [ada, bob] = [await connect(app), await connect(app)]
      await Promise.all([ada.next(), bob.next()])
      expect(await ada.request({ secret: true, broadcast: 'leak' })).toEqual({ error: 'secrets are not allowed here', code: 'FORBIDDEN', requestId: expect.any(String) })
      expect(await ada.request({ broadcast: 'fine' })).toEqual({ from: expect.any(String), text: 'fine' })
      expect(await bob.next()).toEqual({ from: expect.any(String), text: 'fine' })
      // The broadcast arrives while the function still runs; its record is written when it returns.
      expect(await ada.next()).toEqual({ sent: 2 })
      expect(app.events().filter((event) => event.event === 'message').map((event) => event.body)).toEqual([{ broadcast: 'fine' }])
      bob.ws.close()
      await until(() => seen.includes('close'))
      expect(seen.sort()).toEqual(['close', 'connection', 'connection', 'message', 'message'])
    })

    it('the __interceptor__ function sees every event too, and can answer a message in place of the function', async () => {
      const interceptor = `export default async function (ctx: any, next: () => Promise<unknown>) {
        if (ctx.trigger.kind === 'websocket' && ctx.trigger.event === 'message' && ctx.body && ctx.body.blocked) return { blocked: ctx.trigger.event, uid: ctx.user?.uid ?? null }
        return next()
      }`
      const app = await run({}, [{ name: '__interceptor__', source: interceptor }])
      const ada = await connect(app, `?token=${tokenFor(app, 'ada')}`)
      expect(await ada.next()).toMatchObject({ uid: 'ada' })
      expect(await ada.request({ blocked: true })).toEqual({ blocked: 'message', uid: 'ada' })
      expect(await ada.request({ open: true })).toEqual({ echo: { open: true }, uid: 'ada' })
      expect(app.events().filter((event) => event.event === 'message').map((event) => event.body)).toEqual([{ open: true }])
    })

    it('a function error answers the sender; a refused connection is closed with 1008', async () => {
      const app = await run()
      const ada = await connect(app)
      await ada.next()
      expect(await ada.request({ fail: true })).toMatchObject({ error: 'the function failed on purpose', code: 'FUNCTION_ERROR' })
      app.executor.use((ctx, next) => {
        if (ctx.trigger.kind === 'websocket' && ctx.trigger.event === 'connection') throw new RuntimeError('FORBIDDEN', 'no more')
        return next()
      })
      const late = await connect(app)
      expect(await late.closed).toEqual({ code: 1008, reason: 'FORBIDDEN' })
      expect(await ada.request({ still: 'here' })).toMatchObject({ echo: { still: 'here' } })
    })

    it('runs one connection\'s messages in order, and keeps reading after pausing a client that sends faster (maxPending)', { timeout: 30_000 }, async () => {
      const app = await run({ maxPending: 2 })
      const ada = await connect(app)
      await ada.next()
      for (let i = 0; i < 12; i++) ada.send({ sleep: i % 3 === 0 ? 15 : 0, i })
      const replies = []
      for (let i = 0; i < 12; i++) replies.push((await ada.next()).echo.i)
      expect(replies).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
      expect(await ada.request({ after: true })).toMatchObject({ echo: { after: true } })
    })

    it('an oversize message closes that connection only, with 1009', async () => {
      const app = await run({ maxPayload: 1024 })
      const [ada, bob] = [await connect(app), await connect(app)]
      const adaHello = await ada.next()
      await bob.next()
      ada.send('x'.repeat(2048))
      expect((await ada.closed).code).toBe(1009)
      expect(await bob.request({ after: true })).toMatchObject({ echo: { after: true } })
      await until(() => app.events().some((event) => event.event === 'close'))
      const close = app.events().find((event) => event.event === 'close')!
      expect(close).toMatchObject({ connectionId: adaHello.hello, body: { code: 1009, error: { code: 'PAYLOAD_TOO_LARGE' } } })
      expect(app.events().filter((event) => event.event === 'message')).toHaveLength(1)
    })

    it('drops a client that stops reading once it is maxBufferedBytes behind, while the others keep receiving', { timeout: 60_000 }, async () => {
      const app = await run({ maxBufferedBytes: 64 * 1024 })
      const [fast, slow] = [await connect(app), await connect(app)]
      await fast.next()
      const slowHello = await slow.next()
      ;(slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
      // Paced by the fast client: it reads each broadcast before asking for the next, so only the slow one falls behind.
      let rounds = 0
      while (app.handle.sockets.has(slowHello.hello)) {
        if (++rounds > 4000) throw new Error('the slow client was never dropped')
        fast.send({ chunk: rounds, size: 16 * 1024 })
        expect(await fast.next()).toHaveLength(16 * 1024)
      }
      expect(app.handle.sockets.size).toBe(1)
      for (let i = 0; i < 3; i++) {
        fast.send({ chunk: i, size: 1024 })
        expect(await fast.next()).toHaveLength(1024)
      }
      await until(() => app.events().some((event) => event.event === 'close'))
      expect(app.events().find((event) => event.event === 'close')).toMatchObject({ connectionId: slowHello.hello, body: { error: { code: 'SLOW_CLIENT' } } })
      ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
      expect((await slow.closed).code).toBe(1006)
    })

    it('the heartbeat drops a connection that stops answering pings, and keeps the live one', async () => {
      const app = await run({ heartbeatMs: 40 })
      const [live, dead] = [await connect(app), await connect(app)]
      await live.next()
      const deadHello = await dead.next()
      ;(dead.ws as unknown as { _socket: { pause(): void } })._socket.pause()
      await until(() => !app.handle.sockets.has(deadHello.hello))
      await until(() => app.events().some((event) => event.event === 'close'))
      expect(app.events().find((event) => event.event === 'close')).toMatchObject({ connectionId: deadHello.hello, body: { error: { code: 'HEARTBEAT_TIMEOUT' } } })
      // Several more intervals: the client that answers pings stays.
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await live.request({ alive: true })).toMatchObject({ echo: { alive: true } })
      expect(app.handle.sockets.size).toBe(1)
    })

    it('a burst of 100 connections at once: every one gets its connection event (events wait their turn, none is OVERLOADED)', { timeout: 60_000 }, async () => {
      const app = await run()
      // Each connection event holds its isolate for a while: without the entry point's gate the pool's queue overflows.
      const burst = await Promise.all(Array.from({ length: 100 }, () => connect(app, '?slow=1')))
      const hellos = await Promise.all(burst.map((client) => Promise.race([client.next(), client.closed.then((closed) => ({ closed }))])))
      expect(hellos.filter((hello) => hello.closed)).toEqual([])
      expect(new Set(hellos.map((hello) => hello.hello)).size).toBe(100)
      expect(app.handle.sockets.size).toBe(100)
      expect(await burst[0]!.request({ broadcast: 'all of you' })).toEqual({ from: hellos[0].hello, text: 'all of you' })
      for (const client of burst.slice(1)) expect(await client.next()).toEqual({ from: hellos[0].hello, text: 'all of you' })
    })

    it('executor.close() closes every socket with 1001', async () => {
      const app = await run()
      const [ada, bob] = [await connect(app), await connect(app)]
      await Promise.all([ada.next(), bob.next()])
      await app.executor.close()
      expect(await ada.closed).toEqual({ code: 1001, reason: 'server shutting down' })
      expect(await bob.closed).toEqual({ code: 1001, reason: 'server shutting down' })
      expect(app.handle.sockets.size).toBe(0)
      const after = await Client.open(app.url).then(() => 'opened', () => 'refused')
      expect(after).toBe('refused')
    })

    it('cloud.sockets is empty, not an error, in an executor without a WebSocket entry point', async () => {
      const { createExecutor, memoryStore } = await import('@scraping-run/runtime-core')
      const source = 'import cloud from "@scraping-run/cloud"\nexport default () => ({ size: cloud.sockets.size, all: [...cloud.sockets].length, sent: cloud.sockets.broadcast("x"), one: cloud.sockets.send("a", "x"), got: cloud.sockets.get("a") ?? null })'
      const executor = createExecutor({ store: memoryStore([{ name: 'count', source }]), sandbox: sandbox(), jwtSecret: SECRET })
      try {
        const result = await executor.invoke('count')
        expect(result.error).toBeUndefined()
        expect(result.data).toEqual({ size: 0, all: 0, sent: 0, one: false, got: null })
      } finally {
        await executor.close()
      }
    })
  })
}
