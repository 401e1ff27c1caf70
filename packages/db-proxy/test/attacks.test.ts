// The attack table: every request is refused (400 / 403 / 413) and no collection changes.
import { runInNewContext } from 'node:vm'
import { getToken } from '@scraping-run/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDbProxy, type Policy } from '../src/index.js'
import { A, decide } from './helpers.js'
import { useDb } from './mongo.js'
import { EXPRESS_VERSIONS, post, SECRET, serve } from './server.js'

const { db } = useDb()

// Deliberately generous, so each refusal below comes from the check under test and not from a missing rule.
const policy: Policy = {
  posts: { read: true, add: { multi: true }, update: { multi: true }, remove: { multi: true }, aggregate: true },
  owned: {
    read: 'query.uid == auth.uid',
    update: { condition: 'query.uid == auth.uid', multi: true },
    remove: { query: { uid: 'value == auth.uid' }, multi: true },
  },
  secrets: { read: 'auth.role == "admin"' },
}

const mallory = getToken({ uid: 'mallory', role: 'user' }, { secret: SECRET })
const fn = { $function: { body: 'function () { return true }', args: [], lang: 'js' } }
const stage = (stageKey: string, value: unknown) => ({ stageKey, stageValue: JSON.stringify(value) })
const agg = (...stages: Array<{ stageKey: string; stageValue: string }>) => ({ action: A.aggregate, collectionName: 'posts', stages })
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) })

type Attack = [name: string, body: unknown, status: number]

const attacks: Attack[] = [
  ['operator injection where a literal is expected (condition)', { action: A.update, collectionName: 'owned', query: { uid: { $ne: null } }, data: { $set: { v: 0 } }, multi: true }, 403],
  ['operator injection where a literal is expected (query constraint)', { action: A.remove, collectionName: 'owned', query: { uid: { $ne: null } }, multi: true }, 403],
  ['operator injection inside $or', { action: A.remove, collectionName: 'owned', query: { uid: 'mallory', $or: [{ uid: { $ne: null } }] }, multi: true }, 403],
  ['$where in a filter', { action: A.remove, collectionName: 'posts', query: { $where: 'true' }, multi: true }, 403],
  ['$function inside $expr', { action: A.remove, collectionName: 'posts', query: { $expr: fn }, multi: true }, 403],
  ['$function deep inside $expr', { action: A.update, collectionName: 'posts', query: { $expr: { $eq: [fn, true] } }, data: { $set: { pwned: true } }, multi: true }, 403],
  ['$where inside $or', { action: A.remove, collectionName: 'posts', query: { $or: [{ $where: 'true' }] }, multi: true }, 403],
  ['$where inside $elemMatch', { action: A.remove, collectionName: 'posts', query: { tags: { $elemMatch: { $where: 'true' } } }, multi: true }, 403],
  ['$function in update data', { action: A.update, collectionName: 'posts', query: {}, data: { $set: { x: fn } }, multi: true }, 403],
  ['$function in a $match stage', agg(stage('$match', { $expr: fn })), 403],
  ['$accumulator in a $group stage', agg(stage('$group', { _id: null, x: { $accumulator: { init: 'function(){}', accumulate: 'function(){}', accumulateArgs: [], merge: 'function(){}', lang: 'js' } } })), 403],
  ['$where in a $facet sub-pipeline', agg(stage('$facet', { x: [{ $match: { $where: 'true' } }] })), 403],
  ['$out', agg(stage('$match', {}), stage('$out', 'stolen')), 403],
  ['$merge into the collection', agg(stage('$project', { title: 'x' }), stage('$merge', { into: 'posts' })), 403],
  ['$lookup into a collection the policy does not grant', agg(stage('$lookup', { from: 'secrets', localField: 'a', foreignField: 'b', as: 's' })), 403],
  ['$lookup into a system collection', agg(stage('$lookup', { from: '__policies__', pipeline: [], as: 's' })), 403],
  ['$unionWith another collection', agg(stage('$unionWith', 'secrets')), 403],
  ['$graphLookup into another collection', agg(stage('$graphLookup', { from: 'secrets', startWith: '$a', connectFromField: 'a', connectToField: 'b', as: 's' })), 403],
  ['$lookup hidden in $facet', agg(stage('$facet', { x: [{ $lookup: { from: 'secrets', pipeline: [], as: 's' } }] })), 403],
  ['__proto__ key in data', `{"action":"${A.add}","collectionName":"posts","data":{"title":"x","__proto__":{"isAdmin":true}}}`, 400],
  ['constructor key in an update', { action: A.update, collectionName: 'posts', query: {}, data: { $set: { constructor: { prototype: 1 } } } }, 400],
  ['prototype key in a filter', { action: A.remove, collectionName: 'posts', query: { prototype: 1 } }, 400],
  ['a system collection', { action: A.read, collectionName: '__policies__' }, 403],
  ['a write to a system collection', { action: A.add, collectionName: '__policies__', data: { name: 'app', rules: {} } }, 403],
  ['request fields named like auth', { action: A.update, collectionName: 'owned', auth: { uid: 'victim' }, query: { uid: 'victim', auth: { uid: 'victim' } }, data: { $set: { v: 0 } } }, 403],
  ['a limit of 1e9', { action: A.read, collectionName: 'posts', limit: 1e9 }, 400],
  ['200-deep nesting', { action: A.remove, collectionName: 'posts', query: { x: nested(200) }, multi: true }, 400],
  ['a projection expression', { action: A.read, collectionName: 'posts', projection: { x: fn } }, 400],
  ['a 20 MB body', { action: A.add, collectionName: 'posts', data: { title: 'x'.repeat(20 * 1024 * 1024) } }, 413],
  ['an unsigned (alg: none) token', { action: A.update, collectionName: 'owned', query: { uid: 'victim' }, data: { $set: { v: 0 } }, token: 'none' }, 403],
]

async function snapshot() {
  const names = (await db().listCollections().toArray()).map((c) => c.name).sort()
  const contents: Record<string, unknown[]> = {}
  for (const name of names) contents[name] = await db().collection(name).find().sort({ _id: 1 }).toArray()
  return { names, contents }
}

describe('attack table', () => {
  let server: Awaited<ReturnType<typeof serve>>
  beforeAll(async () => {
    await db().collection('posts').insertMany([{ _id: 'p1' as never, title: 'one', tags: ['a'] }, { _id: 'p2' as never, title: 'two', tags: [] }])
    await db().collection('owned').insertMany([{ _id: 'o1' as never, uid: 'victim', v: 1 }, { _id: 'o2' as never, uid: 'mallory', v: 1 }])
    await db().collection('secrets').insertOne({ _id: 's1' as never, secret: 'hunter2' })
    await db().collection('__policies__').insertOne({ name: 'other', rules: {} })
    server = await serve(EXPRESS_VERSIONS[0][1], createDbProxy({ db: db(), policies: { app: policy } }))
  })
  afterAll(() => server.close())

  it.each(attacks)('%s is refused and changes nothing', async (_name, rawBody, status) => {
    const before = await snapshot()
    let token: string | undefined = mallory
    let body = rawBody
    if (typeof rawBody === 'object' && rawBody && 'token' in rawBody) {
      const { token: kind, ...rest } = rawBody as Record<string, unknown>
      body = rest
      // An `alg: none` token claiming to be the victim.
      if (kind === 'none') token = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"uid":"victim"}').toString('base64url')}.`
    }
    const result = await post(server.base, 'app', body, token)
    expect(result.status).toBe(status)
    expect(result.body.code).not.toBe(0)
    expect(await snapshot()).toEqual(before)
  })

  it('refuses operators hidden in objects made in another realm (a node:vm function calling proxy.handle)', async () => {
    const before = await snapshot()
    // Objects from a vm context have that context's Object.prototype: the guard must still look inside them.
    const foreign = runInNewContext(`({
      action: 'database.deleteDocument', collectionName: 'posts', multi: true,
      query: { $or: [{ $where: 'true' }, { title: { $exists: true } }] },
    })`)
    const result = await createDbProxy({ db: db(), policies: { app: { posts: { remove: { multi: true, condition: 'true' } } } } }).handle('app', foreign, { uid: 'mallory' })
    expect(result.status).toBe(403)
    expect(await snapshot()).toEqual(before)
  })

  it('the same requests pass when the rule allows the operator explicitly', async () => {
    // The engine alone for $where: the embedded server (mingo) only runs $where given a JavaScript function, not a string.
    expect((await decide({ posts: { remove: { allow: ['$where'], multi: true } } }, { action: A.remove, query: { $where: 'true' }, multi: true })).allowed).toBe(true)
    const allowing = createDbProxy({ db: db(), policies: { app: { posts: { aggregate: { allow: ['$lookup:secrets'] } } } } })
    const joined = await allowing.handle('app', agg(stage('$lookup', { from: 'secrets', pipeline: [], as: 's' }), stage('$limit', 1)), null)
    expect(joined).toMatchObject({ status: 200, body: { code: 0, data: { list: [{ _id: 'p1', s: [{ _id: 's1' }] }] } } })
  })
})
