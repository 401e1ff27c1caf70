// The outside audit's findings (issue 20): ReDoS, maxTimeMS, prototype paths, the Bearer scheme, tokens without `exp`,
// compressed bodies. Every request goes over HTTP or through `handle`, against the embedded MongoDB.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { gzipSync } from 'node:zlib'
import { createHmac } from 'node:crypto'
import { getToken } from '@scraping-run/cloud'
import { startMongo } from '@scraping-run/test-utils'
import express from 'express'
import { MongoClient, type CommandStartedEvent } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDbProxy, type Policy } from '../src/index.js'
import { dbProxyRouter, type DbProxyRouterOptions } from '../src/express.js'
import { A } from './helpers.js'
import { useDb } from './mongo.js'
import { post, SECRET } from './server.js'

const { db } = useDb()

const policy: Policy = {
  posts: { read: true, count: true, aggregate: true, update: { multi: true }, add: 'has(auth.uid)' },
  // The same collection for a rule that trusts its callers' patterns.
  trusted: { read: { allow: ['$regex'] } },
}
// 25 `a`s and a `!`: `^(a+)+$` backtracks through 2^25 ways of splitting them before it fails.
const EVIL_TITLE = `${'a'.repeat(25)}!`
const EVIL = '^(a+)+$'

async function serveWith(options: DbProxyRouterOptions) {
  const app = express()
  app.use('/proxy', dbProxyRouter(createDbProxy({ db: db(), policies: { app: policy } }), { jwtSecret: SECRET, ...options }))
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.()
      server.close(() => resolve())
    }),
  }
}

let server: Awaited<ReturnType<typeof serveWith>>
beforeAll(async () => {
  await db().collection('posts').insertMany([{ _id: 'evil' as never, title: EVIL_TITLE }, { _id: 'fine' as never, title: 'hello' }])
  await db().collection('trusted').insertOne({ _id: 't1' as never, title: 'aaa' })
  server = await serveWith({})
})
afterAll(() => server.close())

const read = (query: unknown, collectionName = 'posts') => ({ action: A.read, collectionName, query })
const regexFilters: Array<[string, unknown]> = [
  ['$regex as a string', { title: { $regex: EVIL } }],
  ['$regex with $options', { title: { $regex: EVIL, $options: 'i' } }],
  ['a $regularExpression EJSON value', { title: { $regularExpression: { pattern: EVIL, options: '' } } }],
  ['a regex inside $in', { title: { $in: [{ $regularExpression: { pattern: '(a|a)*$', options: '' } }] } }],
  ['$regexMatch in $expr', { $expr: { $regexMatch: { input: '$title', regex: EVIL } } }],
  ['$regexFind in $expr', { $expr: { $ne: [{ $regexFind: { input: '$title', regex: '(\\w+\\s?)*$' } }, null] } }],
  ['a polynomial pattern', { title: { $regex: '.*foo.*' } }],
  ['$regexFindAll with a pattern taken from a field', { $expr: { $gt: [{ $size: { $regexFindAll: { input: '$title', regex: '$title' } } }, 0] } }],
]

describe('ReDoS', () => {
  it.each(regexFilters)('refuses %s, anonymously, naming the rule', async (_name, query) => {
    const result = await post(server.base, 'app', read(query))
    expect(result.status).toBe(403)
    expect(result.body.error).toEqual([expect.objectContaining({ rule: 'app.posts.read[0]', validator: 'guard', message: expect.stringContaining('"allow": ["$regex"]') })])
  })

  it('refuses it in an aggregate $match and in an update filter', async () => {
    const stages = [{ stageKey: '$match', stageValue: JSON.stringify({ title: { $regex: EVIL } }) }]
    expect((await post(server.base, 'app', { action: A.aggregate, collectionName: 'posts', stages })).status).toBe(403)
    const update = { action: A.update, collectionName: 'posts', query: { title: { $regex: EVIL } }, data: { $set: { seen: true } }, multi: true }
    expect((await post(server.base, 'app', update)).status).toBe(403)
    expect(await db().collection('posts').countDocuments({ seen: true })).toBe(0)
  })

  it('lets safe patterns through, and unsafe ones where the rule allows "$regex"', async () => {
    const safe = await post(server.base, 'app', read({ title: { $regex: '^hel+o$', $options: 'i' } }))
    expect(safe).toMatchObject({ status: 200, body: { data: { list: [{ _id: 'fine' }] } } })
    const linear = await post(server.base, 'app', read({ title: { $regex: 'ell' } }))
    expect(linear).toMatchObject({ status: 200, body: { data: { list: [{ _id: 'fine' }] } } })
    const allowed = await post(server.base, 'app', read({ title: { $regex: '^(a+)+$' } }, 'trusted'))
    expect(allowed).toMatchObject({ status: 200, body: { data: { list: [{ _id: 't1' }] } } })
  })

  it('refuses more than 16 distinct patterns in one request', async () => {
    const $or = Array.from({ length: 17 }, (_, i) => ({ title: { $regex: `^x${i}` } }))
    expect(await post(server.base, 'app', read({ $or }))).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } })
  })
})

describe('maxTimeMS', () => {
  it('is sent with every read and write the proxy runs (default 5000, configurable)', async () => {
    const mongo = await startMongo()
    const client = new MongoClient(mongo.uri, { monitorCommands: true })
    const seen: CommandStartedEvent[] = []
    client.on('commandStarted', (event) => seen.push(event))
    try {
      await client.connect()
      const target = client.db(db().databaseName)
      const run = async (maxTimeMS?: number) => {
        const proxy = createDbProxy({ db: target, policies: { app: { log: { read: true, count: true, add: true, update: true, remove: true, aggregate: true } } }, limits: maxTimeMS ? { maxTimeMS } : {} })
        const bodies = [
          { action: A.add, collectionName: 'log', data: { n: 1 } },
          { action: A.read, collectionName: 'log', query: { n: 1 }, count: true },
          { action: A.count, collectionName: 'log', query: {} },
          { action: A.update, collectionName: 'log', query: { n: 1 }, data: { $set: { m: 2 } } },
          { action: A.aggregate, collectionName: 'log', stages: [{ stageKey: '$match', stageValue: '{}' }] },
          { action: A.remove, collectionName: 'log', query: { n: 1 } },
        ]
        for (const body of bodies) expect((await proxy.handle('app', body, null)).status).toBe(200)
      }
      await run()
      await run(1234)
      const commands = seen.filter((event) => ['insert', 'find', 'aggregate', 'update', 'delete'].includes(event.commandName))
      expect(new Set(commands.map((event) => event.commandName))).toEqual(new Set(['insert', 'find', 'aggregate', 'update', 'delete']))
      const limits = commands.map((event) => [event.commandName, event.command.maxTimeMS])
      expect(limits.slice(0, limits.length / 2).every(([, ms]) => ms === 5000)).toBe(true)
      expect(limits.slice(limits.length / 2).every(([, ms]) => ms === 1234)).toBe(true)
    } finally {
      await client.close()
      await mongo.stop()
    }
  })
})

describe('prototype paths', () => {
  const update = (data: unknown) => ({ action: A.update, collectionName: 'posts', query: { _id: 'fine' }, data })
  it.each([
    ['$set of "__proto__.x"', update({ $set: { '__proto__.x': 1 } })],
    ['$set of "constructor.prototype.x"', update({ $set: { 'constructor.prototype.x': 1 } })],
    ['$inc of "a.__proto__"', update({ $inc: { 'a.__proto__': 1 } })],
    ['$rename to "__proto__"', update({ $rename: { title: '__proto__' } })],
    ['$rename to "a.constructor"', update({ $rename: { title: 'a.constructor' } })],
    ['a projection of "__proto__.x"', { action: A.read, collectionName: 'posts', projection: { '__proto__.x': 1 } }],
    ['a filter on "constructor.prototype.x"', read({ 'constructor.prototype.x': 1 })],
    ['an order on "__proto__.x"', { action: A.read, collectionName: 'posts', order: [{ field: '__proto__.x', direction: 'asc' }] }],
  ])('refuses %s with 400 naming the refused segment', async (_name, body) => {
    const result = await post(server.base, 'app', body)
    expect(result).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', error: expect.stringMatching(/"(__proto__|constructor)".*never accepted/) } })
    expect(await db().collection('posts').findOne({ _id: 'fine' as never })).toEqual({ _id: 'fine', title: 'hello' })
  })
})

describe('tokens', () => {
  const add = { action: A.add, collectionName: 'posts', data: { title: 'by token' } }
  const alice = getToken({ uid: 'alice' }, { secret: SECRET })

  it('matches the Bearer scheme case-insensitively', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await fetch(`${server.base}/proxy/app`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `${scheme} ${alice}` }, body: JSON.stringify(add) })
      expect(response.status).toBe(200)
    }
  })

  it('with requireExp, treats a token without exp as anonymous', async () => {
    const strict = await serveWith({ requireExp: true })
    try {
      // getToken always adds an exp; one without is signed by hand (as another issuer might).
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ uid: 'alice' })}`
      const forever = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`
      expect((await post(strict.base, 'app', add, forever)).status).toBe(403)
      expect((await post(strict.base, 'app', add, alice)).status).toBe(200)
      expect((await post(server.base, 'app', add, forever)).status).toBe(200)
    } finally {
      await strict.close()
    }
  })
})

describe('compressed bodies', () => {
  const send = (body: Buffer, encoding: string) =>
    fetch(`${server.base}/proxy/app`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body })

  it('inflates gzip bodies', async () => {
    const response = await send(gzipSync(JSON.stringify(read({ _id: 'fine' }))), 'gzip')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ data: { list: [{ _id: 'fine' }] } })
  })

  it('caps the inflated size, and refuses an unknown encoding', async () => {
    const small = await serveWith({ maxBodyBytes: 1024 })
    try {
      const bomb = gzipSync(JSON.stringify(read({ title: 'x'.repeat(64 * 1024) })))
      expect(bomb.length).toBeLessThan(1024)
      const response = await fetch(`${small.base}/proxy/app`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb })
      expect(response.status).toBe(413)
    } finally {
      await small.close()
    }
    expect((await send(Buffer.from('{}'), 'zstd')).status).toBe(400)
  })
})
