// What sets isolateSandbox apart from vmSandbox: no way to the host, no way to freeze or kill it, and still the cloud SDK.
import { MongoClient } from 'mongodb'
import { createStorage } from '@scraping-run/storage'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { createExecutor, isolateSandbox, memoryStore, vmSandbox, type Executor, type FunctionRecordInput } from '@scraping-run/runtime-core'

const open: Executor[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})
const clients: MongoClient[] = []
afterAll(async () => {
  for (const client of clients) await client.close()
})

function isolated(records: FunctionRecordInput[], options: Partial<Parameters<typeof createExecutor>[0]> = {}): Executor {
  const executor = createExecutor({ store: memoryStore(records), sandbox: isolateSandbox({ warmIsolates: 1 }), jwtSecret: 'iso-secret', ...options })
  open.push(executor)
  return executor
}

// Each one reads a marker the host put on its own globalThis; in vmSandbox most of them reach it.
const ESCAPES: Array<[string, string]> = [
  ['this.constructor.constructor', 'export default function () { return (this as any)?.constructor?.constructor("return globalThis")().__hostMarker }'],
  ['Function from a plain function', 'export default () => (() => 0).constructor("return globalThis")().__hostMarker'],
  ['via ctx', 'export default (ctx: any) => ctx.constructor.constructor("return globalThis")().__hostMarker'],
  ['via ctx.signal', 'export default (ctx: any) => ctx.signal.constructor.constructor("return globalThis")().__hostMarker'],
  ['via console.log', 'export default () => (console.log as any).constructor("return globalThis")().__hostMarker'],
  ['via a timer handle', 'export default () => { const t: any = setTimeout(() => {}, 1); return t.constructor.constructor("return globalThis")().__hostMarker }'],
  ['via an SDK error', 'import cloud from "@scraping-run/cloud"\nexport default () => { try { cloud.mongo } catch (e: any) { return e.constructor.constructor("return globalThis")().__hostMarker } }'],
  ['via TextEncoder', 'export default () => (new TextEncoder() as any).constructor.constructor("return globalThis")().__hostMarker'],
  ['via a bridge promise', 'import cloud from "@scraping-run/cloud"\nexport default async () => { const p: any = cloud.invoke("target"); await p; return p.constructor.constructor("return globalThis")().__hostMarker }'],
  ['via the cloud object', 'import cloud from "@scraping-run/cloud"\nexport default () => (cloud.invoke as any).constructor("return globalThis")().__hostMarker'],
  ['via process', 'export default () => [typeof (process as any).exit, typeof (process as any).binding, typeof (process as any).mainModule, (process as any).constructor.constructor("return globalThis")().__hostMarker]'],
  ['via stack frames', 'import cloud from "@scraping-run/cloud"\nexport default async () => { (Error as any).prepareStackTrace = (_e: any, frames: any[]) => frames.map((f) => { try { return f.getThis()?.__hostMarker } catch { return undefined } }); try { await cloud.invoke("missing") } catch (e: any) { return (e.stack ?? []).find?.((x: any) => x) } }'],
  ['require of a host module', 'import { readFileSync } from "node:fs"\nexport default () => readFileSync("/etc/hostname", "utf8")'],
]

describe('isolateSandbox: no way to the host', () => {
  it.each(ESCAPES)('%s reaches nothing of the host', async (_label, source) => {
    ;(globalThis as { __hostMarker?: string }).__hostMarker = 'HOST'
    try {
      const executor = isolated([
        { name: 'escape', source },
        { name: 'target', source: 'export default () => 1' },
      ])
      const result = await executor.invoke('escape')
      expect(JSON.stringify(result.data ?? null)).not.toContain('HOST')
      expect(JSON.stringify(result.data ?? null)).not.toContain('"function"')
      if (result.error) expect(result.error.code).toMatch(/^(FUNCTION_ERROR|MODULE_NOT_FOUND)$/)
    } finally {
      delete (globalThis as { __hostMarker?: string }).__hostMarker
    }
  })

  it('the same corpus does reach the host in vmSandbox (so the corpus can tell)', async () => {
    ;(globalThis as { __hostMarker?: string }).__hostMarker = 'HOST'
    try {
      const executor = createExecutor({ store: memoryStore([{ name: 'escape', source: ESCAPES[4]![1] }]), sandbox: vmSandbox() })
      open.push(executor)
      expect((await executor.invoke('escape')).data).toBe('HOST')
    } finally {
      delete (globalThis as { __hostMarker?: string }).__hostMarker
    }
  })

  it('cannot pollute the host prototypes, and functions cannot see each other globals', async () => {
    const executor = isolated([
      { name: 'polluter', source: 'export default () => { (Object.prototype as any).polluted = "yes"; (globalThis as any).mine = 42; return JSON.parse(\'{"__proto__": {"polluted": "yes"}}\') }' },
      { name: 'reader', source: 'export default () => [({} as any).polluted ?? null, (globalThis as any).mine ?? null]' },
    ])
    await executor.invoke('polluter')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((await executor.invoke('reader')).data).toEqual([null, null])
  })
})

const RUNAWAYS: Array<[string, string, string]> = [
  ['a synchronous loop', 'export default () => { while (true) {} }', 'TIMEOUT'],
  ['a loop after an await', 'export default async () => { await null; while (true) {} }', 'TIMEOUT'],
  ['for (;;) await null', 'export default async () => { for (;;) await null }', 'TIMEOUT'],
  ['a loop in a timer callback', 'export default () => new Promise(() => { setTimeout(() => { while (true) {} }, 1) })', 'TIMEOUT'],
  ['a looping toJSON', 'export default () => ({ toJSON() { while (true) {} } })', 'TIMEOUT'],
  ['a looping then', 'export default () => ({ then() { while (true) {} } })', 'TIMEOUT'],
]

describe('isolateSandbox: no function freezes or kills the host', () => {
  it.each(RUNAWAYS)('%s ends with its code while the host keeps serving', async (_label, source, code) => {
    const executor = isolated(
      [
        { name: 'runaway', source, timeoutMs: 600 },
        { name: 'ok', source: 'export default () => "alive"' },
      ],
      { sandbox: isolateSandbox({ warmIsolates: 1, memoryLimitMb: 32 }) },
    )
    await executor.invoke('ok')
    let settled = false
    const pending = executor.invoke('runaway').finally(() => {
      settled = true
    })
    // The host answers another call while the runaway one is still going.
    expect((await executor.invoke('ok')).data).toBe('alive')
    expect(settled).toBe(false)
    expect((await pending).error?.code).toBe(code)
    expect((await executor.invoke('ok')).data).toBe('alive')
    // The runaway function's next call gets a fresh isolate.
    expect((await executor.invoke('runaway')).error?.code).toBe(code)
  })

  it('a memory bomb ends with MEMORY_LIMIT, the host stays up and the function gets a fresh isolate', async () => {
    const executor = isolated(
      [
        { name: 'bomb', source: 'export default () => { const keep: string[] = []; for (let i = 0; ; i++) keep.push("x".repeat(1 << 20) + i) }', timeoutMs: 20_000 },
        { name: 'ok', source: 'export default () => "alive"' },
      ],
      { sandbox: isolateSandbox({ warmIsolates: 1, memoryLimitMb: 32 }) },
    )
    const rss = process.memoryUsage().rss
    expect((await executor.invoke('bomb')).error?.code).toBe('MEMORY_LIMIT')
    expect((await executor.invoke('ok')).data).toBe('alive')
    expect((await executor.invoke('bomb')).error?.code).toBe('MEMORY_LIMIT')
    // The host's memory stays bounded: two bombs of a 32 MB isolate cannot grow it by hundreds of MB.
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 * 1024)
  })

  it('a loop at the top level of a module fails to load with TIMEOUT', async () => {
    const executor = createExecutor({ store: memoryStore([{ name: 'spin', source: 'while (true) {}\nexport default () => 1' }]), sandbox: isolateSandbox({ warmIsolates: 1, loadTimeoutMs: 100 }) })
    open.push(executor)
    expect((await executor.invoke('spin')).error?.code).toBe('TIMEOUT')
    expect((await executor.describe('spin'))[0]?.error?.code).toBe('TIMEOUT')
  })

  it('refuses calls past its isolates and queue with OVERLOADED', async () => {
    const executor = createExecutor({
      store: memoryStore([{ name: 'slow', source: 'export default () => new Promise((r) => setTimeout(() => r("done"), 150))' }]),
      sandbox: isolateSandbox({ warmIsolates: 1, maxIsolatesPerFunction: 1, maxQueue: 1 }),
    })
    open.push(executor)
    await executor.invoke('slow')
    const results = await Promise.all([executor.invoke('slow'), executor.invoke('slow'), executor.invoke('slow')])
    expect(results.map((result) => result.error?.code ?? result.data).sort()).toEqual(['OVERLOADED', 'done', 'done'])
  })
})

describe('isolateSandbox: the cloud SDK over the bridge', () => {
  it('cloud.database() (query builder, commands) against the embedded MongoDB', async () => {
    const dbName = uniqueDbName('isolate-db')
    const executor = isolated(
      [
        {
          name: 'notes',
          source: `import cloud from '@scraping-run/cloud'
          export default async (ctx: any) => {
            const db = cloud.database()
            const notes = db.collection('notes')
            await notes.add({ text: 'a', n: 1 })
            await notes.add({ text: 'b', n: 5 })
            const big = await notes.where({ n: db.command.gt(2) }).get()
            const count = await notes.count()
            return { big: big.data.map((d: any) => d.text), total: count.total, idType: typeof big.data[0]._id }
          }`,
        },
      ],
      { mongo: { uri: inject('mongoUri'), dbName } },
    )
    await executor.ready()
    const result = await executor.invoke('notes')
    expect(result.error).toBeUndefined()
    expect(result.data).toEqual({ big: ['b'], total: 2, idType: 'string' })
    const check = new MongoClient(inject('mongoUri'))
    clients.push(check)
    expect(await check.db(dbName).collection('notes').countDocuments()).toBe(2)
  })

  it('cloud.storage, tokens, env, shared and web globals', async () => {
    const storage = createStorage({ endpoint: inject('s3Endpoint'), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
    const executor = isolated(
      [
        {
          name: 'kit',
          source: `import cloud from '@scraping-run/cloud'
          export default async () => {
            const bucket = cloud.storage.bucket('runtime-core-test')
            await bucket.writeFile('iso/hello.txt', new TextEncoder().encode('héllo'), { contentType: 'text/plain' })
            const bytes = await bucket.readFile('iso/hello.txt')
            const token = cloud.getToken({ uid: 'u9' })
            cloud.shared.set('k', { n: 1 })
            return {
              read: new TextDecoder().decode(bytes), exists: await bucket.exists('iso/hello.txt'), uid: cloud.parseToken(token)?.uid,
              env: cloud.env.MODE, shared: cloud.shared.get('k'), b64: btoa('hi'), hex: Buffer.from('hi').toString('hex'),
              uuid: /^[0-9a-f-]{36}$/.test(crypto.randomUUID()), query: new URLSearchParams('a=1&b=2').get('b'),
            }
          }`,
        },
      ],
      { storage, env: { MODE: 'iso' } },
    )
    const result = await executor.invoke('kit')
    expect(result.error).toBeUndefined()
    expect(result.data).toEqual({ read: 'héllo', exists: true, uid: 'u9', env: 'iso', shared: { n: 1 }, b64: 'aGk=', hex: '6869', uuid: true, query: '2' })
  })
})

describe('isolateSandbox: cloud.mongo', () => {
  it('runs the common collection methods and cursors on the host driver, with ObjectIds that round-trip', async () => {
    const client = new MongoClient(inject('mongoUri'))
    clients.push(client)
    const db = client.db(uniqueDbName('isolate-mongo'))
    const executor = isolated(
      [
        {
          name: 'visits',
          source: `import cloud from '@scraping-run/cloud'
          export default async (ctx: any) => {
            const visits = cloud.mongo.db.collection('visits')
            await visits.updateOne({ _id: 'home' }, { $inc: { count: 1 }, $set: { last: new Date() } }, { upsert: true })
            const inserted = await visits.insertOne({ page: 'about', at: new Date(0) })
            const byId = await visits.findOne({ _id: inserted.insertedId })
            const listed = await visits.find({ page: { $exists: true } }).sort({ at: 1 }).limit(5).toArray()
            const grouped = await visits.aggregate([{ $group: { _id: null, n: { $sum: 1 } } }]).toArray()
            return {
              home: (await visits.findOne({ _id: 'home' }))?.count, sameId: byId?._id.equals(inserted.insertedId), idJson: JSON.stringify(inserted.insertedId).length,
              at: byId?.at instanceof Date, listed: listed.map((d: any) => d.page), n: grouped[0].n, count: await visits.countDocuments({}), db: cloud.mongo.db.databaseName,
            }
          }`,
        },
      ],
      { mongo: { client, db } },
    )
    const first = await executor.invoke('visits')
    expect(first.error).toBeUndefined()
    expect(first.data).toEqual({ home: 1, sameId: true, idJson: 26, at: true, listed: ['about'], n: 2, count: 2, db: db.databaseName })
    expect(await db.collection('visits').findOne({ _id: 'home' as never })).toMatchObject({ count: 1, last: expect.any(Date) })
  })

  it('the host runs only the collection methods and cursor steps it lists', async () => {
    const { mongoOp } = await import('../src/executor/mongo-bridge.js')
    const client = new MongoClient(inject('mongoUri'))
    clients.push(client)
    const mongo = { client, db: client.db(uniqueDbName('isolate-sneaky')) }
    await expect(Promise.resolve(mongoOp(mongo, ['collection', 'x', 'drop', []]))).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(Promise.resolve(mongoOp(mongo, ['cursor', 'x', 'find', [{}], [['constructor', []]]]))).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(Promise.resolve(mongoOp(mongo, ['collection', 'x', 'countDocuments', [{}]]))).resolves.toBe(0)
  })
})

describe('isolateSandbox: fetch', () => {
  it('refuses loopback by default (a function must not reach the host), and fetches when the host allows it', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ path: req.url, method: req.method }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      const source = `export default async (ctx: any) => { try { const r = await fetch(ctx.body.url, { method: 'POST', body: 'x' }); return { status: r.status, json: await r.json(), type: r.headers.get('content-type') } } catch (e: any) { return { refused: e.code, message: e.message } } }`
      const closed = isolated([{ name: 'get', source }])
      for (const url of [`http://127.0.0.1:${port}/secret`, `http://localhost:${port}/secret`, `http://[::1]:${port}/`, 'http://169.254.169.254/latest/meta-data']) {
        expect((await closed.invoke('get', { body: { url } })).data).toMatchObject({ refused: 'FORBIDDEN', message: expect.stringContaining('allow') })
      }
      const open = isolated([{ name: 'get', source }], { sandbox: isolateSandbox({ warmIsolates: 1, fetch: { allow: ['127.0.0.1'] } }) })
      expect((await open.invoke('get', { body: { url: `http://127.0.0.1:${port}/ok?x=1` } })).data).toEqual({ status: 200, json: { path: '/ok?x=1', method: 'POST' }, type: 'application/json' })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('isolateSandbox: npm packages from an allow-list', () => {
  it('bundles allowed packages (CJS and ESM) for the isolate, refuses others at load, and refuses ones that need Node built-ins', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { makeTempDir } = await import('@scraping-run/test-utils')
    const { dir: root, cleanup } = await makeTempDir('isolate-modules-')
    open.push({ close: cleanup } as unknown as Executor)
    const pkg = async (name: string, files: Record<string, string>) => {
      await mkdir(join(root, 'node_modules', name), { recursive: true })
      for (const [file, text] of Object.entries(files)) await writeFile(join(root, 'node_modules', name, file), text)
    }
    await pkg('tiny-cjs', { 'package.json': '{"name":"tiny-cjs","main":"index.js"}', 'index.js': 'exports.shout = (s) => String(s).toUpperCase() + "!"' })
    await pkg('tiny-esm', { 'package.json': '{"name":"tiny-esm","type":"module","exports":"./index.js"}', 'index.js': 'export const twice = (n) => n * 2' })
    await pkg('needs-fs', { 'package.json': '{"name":"needs-fs","main":"index.js"}', 'index.js': 'module.exports = require("fs").readFileSync' })
    const executor = isolated(
      [
        { name: 'uses', source: 'import { shout } from "tiny-cjs"\nimport { twice } from "tiny-esm"\nexport default () => [shout("hi"), twice(21)]' },
        { name: 'notAllowed', source: 'import left from "left-pad"\nexport default () => left' },
        { name: 'fsPackage', source: 'import read from "needs-fs"\nexport default () => typeof read' },
      ],
      { sandbox: isolateSandbox({ warmIsolates: 1, modules: ['tiny-cjs', 'tiny-esm', 'needs-fs'], modulesRoot: root }) },
    )
    expect((await executor.invoke('uses')).data).toEqual(['HI!', 42])
    expect((await executor.invoke('notAllowed')).error).toMatchObject({ code: 'MODULE_NOT_FOUND', message: expect.stringContaining('isolateSandbox({ modules') })
    expect((await executor.invoke('fsPackage')).error).toMatchObject({ code: 'MODULE_NOT_FOUND', message: expect.stringContaining('"fs"') })
  })
})

describe('isolateSandbox: pool reuse in the invocation log', () => {
  it('logs a fresh isolate, then warm ones, a fresh one again after recycleAfter calls, and the heap each time', async () => {
    const { memorySink } = await import('@scraping-run/runtime-core')
    const sink = memorySink()
    const executor = isolated([{ name: 'count', source: 'let n = 0\nexport default () => ++n' }], {
      sandbox: isolateSandbox({ warmIsolates: 1, recycleAfter: 2 }),
      logSink: sink,
    })
    const data = []
    for (let i = 0; i < 3; i++) data.push((await executor.invoke('count')).data)
    // Module state lives per isolate: the recycled isolate starts counting again.
    expect(data).toEqual([1, 2, 1])
    expect(sink.records.map((record) => record.isolate)).toEqual(['new', 'warm', 'new'])
    for (const record of sink.records) expect(record.memory).toMatchObject({ usedBytes: expect.any(Number), limitBytes: 128 * 1024 * 1024 })
  })
})

describe('isolateSandbox: streaming', () => {
  it('streams server-sent events from an isolate over HTTP through the response facade', async () => {
    const { createServer } = await import('node:http')
    const { createHttpHandler } = await import('@scraping-run/runtime-core')
    const executor = isolated([
      {
        name: 'events',
        source: `export default async (ctx: any) => {
          const res = ctx.response
          res.setHeader('content-type', 'text/event-stream')
          for (let i = 1; i <= 3; i++) {
            res.write('data: ' + JSON.stringify({ i }) + '\\n\\n')
            await new Promise((r) => setTimeout(r, 30))
          }
          res.end()
        }`,
      },
    ])
    const server = createServer(createHttpHandler(executor))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/events`)
      expect(response.headers.get('content-type')).toBe('text/event-stream')
      const reader = response.body!.getReader()
      const first = new TextDecoder().decode((await reader.read()).value)
      // The first event arrives before the function has finished (it still has two to send).
      expect(first).toBe('data: {"i":1}\n\n')
      let rest = ''
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value)
      expect(rest).toBe('data: {"i":2}\n\ndata: {"i":3}\n\n')
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('isolateSandbox: URL', () => {
  it('parses absolute and relative URLs as Node does for the common cases', async () => {
    const cases = [
      ['https://user:pw@Example.com:8443/a/./b/../c?x=1&y=two#frag', undefined],
      ['http://example.com:80/', undefined],
      ['../d?z=3', 'https://example.com/a/b/c'],
      ['/root', 'https://example.com/a/b'],
      ['?only=query', 'https://example.com/a/b?old=1'],
      ['//other.org/p', 'https://example.com/'],
    ]
    const executor = isolated([
      {
        name: 'urls',
        source: `export default (ctx: any) => ctx.body.map(([input, base]: any) => { const u = new URL(input, base ?? undefined); return [u.href, u.origin, u.host, u.pathname, u.search, u.hash, u.searchParams.get('x')] })`,
      },
    ])
    const expected = cases.map(([input, base]) => {
      const u = new URL(input!, base)
      return [u.href, u.origin, u.host, u.pathname, u.search, u.hash, u.searchParams.get('x')]
    })
    expect((await executor.invoke('urls', { body: cases })).data).toEqual(expected)
  })
})
