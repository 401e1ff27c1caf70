// proxy.check and the assert helpers: the policy's decision for a wire-format request, without running it.
import { describe, expect, it } from 'vitest'
import { assertAllowed, assertDenied, createDbProxy, DbProxyError, type Policy } from '../src/index.js'
import { A } from './helpers.js'
import { useDb } from './mongo.js'

const { db } = useDb()

const app: Policy = {
  posts: {
    read: true,
    add: { condition: 'has(auth.uid)', data: { title: { required: true, length: [1, 20] }, author: { condition: 'value == auth.uid' } } },
    remove: ['auth.role == "admin"', 'query.author == auth.uid'],
  },
}
const proxy = () => createDbProxy({ db: db(), policies: { app } })
const add = (data: Record<string, unknown>) => ({ action: A.add, collectionName: 'posts', data })

describe('proxy.check', () => {
  it('allows a request, names the rule, and writes nothing', async () => {
    const result = await proxy().check('app', add({ title: 'Hi', author: 'alice' }), { uid: 'alice' })
    expect(result).toEqual({ allowed: true, status: 200, rule: 'app.posts.add[0]', validator: null, message: 'allowed by rule app.posts.add[0]', violations: [] })
    expect(await db().collection('posts').countDocuments()).toBe(0)
  })

  it('denies with the rule, the validator and the message that refused', async () => {
    const anonymous = await proxy().check('app', add({ title: 'Hi' }), null)
    expect(anonymous).toMatchObject({ allowed: false, status: 403, rule: 'app.posts.add[0]', validator: 'condition', code: 'permission denied' })
    const other = await proxy().check('app', add({ title: 'Hi', author: 'bob' }), { uid: 'alice' })
    expect(other).toMatchObject({ allowed: false, rule: 'app.posts.add[0]', validator: 'data' })
    expect(other.message).toContain('value == auth.uid')
  })

  it('tries every rule of an any-of list: the winner, or every refusal', async () => {
    const remove = { action: A.remove, collectionName: 'posts', query: { author: 'alice' } }
    expect(await proxy().check('app', remove, { uid: 'alice' })).toMatchObject({ allowed: true, rule: 'app.posts.remove[1]' })
    const denied = await proxy().check('app', remove, { uid: 'bob' })
    expect(denied.allowed).toBe(false)
    expect(denied.violations.map((v) => v.rule)).toEqual(['app.posts.remove[0]', 'app.posts.remove[1]'])
  })

  it('reports guard refusals, missing rules and bad requests as denials', async () => {
    const where = await proxy().check('app', { action: A.read, collectionName: 'posts', query: { $where: 'true' } }, null)
    expect(where).toMatchObject({ allowed: false, validator: 'guard' })
    expect(await proxy().check('app', { action: A.count, collectionName: 'posts' }, null)).toMatchObject({ allowed: false, validator: 'policy' })
    expect(await proxy().check('app', { action: 'database.nope', collectionName: 'posts' }, null)).toMatchObject({ allowed: false, status: 400, validator: 'request', code: 'BAD_REQUEST' })
  })

  it('throws POLICY_NOT_FOUND for an unknown policy and INVALID_POLICY for a broken one', async () => {
    await expect(proxy().check('missing', add({ title: 'Hi' }), null)).rejects.toSatisfy((error) => DbProxyError.is(error, 'POLICY_NOT_FOUND'))
    const broken = createDbProxy({ db: db(), policies: { app: { posts: { read: 'auth.uid ==' } } } })
    await expect(broken.check('app', { action: A.read, collectionName: 'posts' }, null)).rejects.toSatisfy((error) => DbProxyError.is(error, 'INVALID_POLICY'))
  })
})

describe('assertAllowed / assertDenied', () => {
  it('pass when the policy decides as expected and return the result', async () => {
    expect((await assertAllowed(proxy(), 'app', add({ title: 'Hi', author: 'alice' }), { uid: 'alice' })).rule).toBe('app.posts.add[0]')
    expect((await assertDenied(proxy(), 'app', add({ title: 'Hi' }), null, { validator: 'condition', rule: 'app.posts.add[0]' })).allowed).toBe(false)
    await assertDenied(proxy(), 'app', add({ title: 'Hi' }), null, { message: /has\(auth\.uid\)|false/ })
  })

  it('throw ASSERTION_FAILED saying what the policy decided instead', async () => {
    const allowed = assertDenied(proxy(), 'app', { action: A.read, collectionName: 'posts' }, null)
    await expect(allowed).rejects.toSatisfy((error) => DbProxyError.is(error, 'ASSERTION_FAILED') && /allowed by rule app\.posts\.read\[0\]/.test((error as Error).message))
    const denied = assertAllowed(proxy(), 'app', add({ title: 'Hi' }), null)
    await expect(denied).rejects.toSatisfy((error) => DbProxyError.is(error, 'ASSERTION_FAILED') && /denied \(403\) by app\.posts\.add\[0\] \[condition\]/.test((error as Error).message))
    const wrongValidator = assertDenied(proxy(), 'app', add({ title: 'Hi' }), null, { validator: 'data' })
    await expect(wrongValidator).rejects.toSatisfy((error) => DbProxyError.is(error, 'ASSERTION_FAILED'))
  })
})
