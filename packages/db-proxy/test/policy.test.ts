// The policy engine on its own: every rule form, validator and constraint, table-driven, with no database.
import { describe, expect, it } from 'vitest'
import { DbProxyError } from '../src/errors.js'
import { compilePolicy } from '../src/policy/compile.js'
import { normalizeCondition } from '../src/cel.js'
import type { CustomValidator, Policy } from '../src/types.js'
import { A, decide } from './helpers.js'

const read = { action: A.read }
const alice = { uid: 'alice', role: 'user' }
const admin = { uid: 'root', role: 'admin' }

type Case = [name: string, policy: Policy, body: Record<string, unknown>, auth: Record<string, unknown>, allowed: boolean]

describe('rule forms', () => {
  const cases: Case[] = [
    ['true allows', { posts: { read: true } }, read, {}, true],
    ['false refuses', { posts: { read: false } }, read, {}, false],
    ['a condition string that holds', { posts: { read: 'has(auth.uid)' } }, read, alice, true],
    ['a condition string that does not hold', { posts: { read: 'has(auth.uid)' } }, read, {}, false],
    ['an object with condition', { posts: { read: { condition: 'auth.role == "admin"' } } }, read, admin, true],
    ['an object with condition: false', { posts: { read: { condition: false } } }, read, admin, false],
    ['an empty object allows', { posts: { read: {} } }, read, {}, true],
    ['an array: first passes', { posts: { read: ['auth.role == "admin"', 'has(auth.uid)'] } }, read, admin, true],
    ['an array: second passes', { posts: { read: ['auth.role == "admin"', 'has(auth.uid)'] } }, read, alice, true],
    ['an array: none passes', { posts: { read: ['auth.role == "admin"', 'has(auth.uid)'] } }, read, {}, false],
    ['an action without a rule refuses', { posts: { add: true } }, read, admin, false],
    ['a collection not in the policy refuses', { users: { read: true } }, read, admin, false],
    ['LAF v1 ".read" key', { posts: { '.read': true } as never }, read, {}, true],
    ['LAF watch rules are accepted and unused', { posts: { read: true, watch: true } as never }, read, {}, true],
    ['count has its own rule', { posts: { read: true, count: false } }, { action: A.count }, {}, false],
    ['remove rule', { posts: { remove: 'auth.role == "admin"' } }, { action: A.remove, query: { _id: 'x' } }, admin, true],
  ]
  it.each(cases)('%s', async (_name, policy, body, auth, allowed) => {
    expect((await decide(policy, body, auth)).allowed).toBe(allowed)
  })

  it('reports each tried rule with its validator and message', async () => {
    const { violations } = await decide({ posts: { read: ['auth.role == "admin"', { condition: 'has(auth.uid)' }] } }, read, {})
    expect(violations).toHaveLength(2)
    expect(violations[0]).toMatchObject({ rule: 'p.posts.read[0]', validator: 'condition' })
    expect(violations[1]).toMatchObject({ rule: 'p.posts.read[1]', validator: 'condition' })
    expect(violations[1].message).toContain('has(auth.uid)')
  })
})

describe('conditions (CEL)', () => {
  const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>, boolean]> = [
    ['query field equals auth', 'query.author == auth.uid', { query: { author: 'alice' } }, alice, true],
    ['query field differs', 'query.author == auth.uid', { query: { author: 'bob' } }, alice, false],
    ['LAF === is normalised', 'query.author === auth.uid', { query: { author: 'alice' } }, alice, true],
    ['LAF !== is normalised', 'query.author !== auth.uid', { query: { author: 'alice' } }, alice, false],
    ['a missing key refuses rather than throwing', 'auth.role == "admin"', {}, {}, false],
    ['a non-boolean result refuses', '"yes"', {}, {}, false],
    ['multi is visible', '!multi', { multi: true }, {}, false],
    ['limit is visible', 'limit <= 10', { limit: 5 }, {}, true],
    ['ObjectId values compare as hex strings', 'query._id == "65a000000000000000000001"', { query: { _id: { $oid: '65a000000000000000000001' } } }, {}, true],
  ]
  it.each(cases)('%s', async (_name, condition, body, auth, allowed) => {
    expect((await decide({ posts: { read: condition } }, { action: A.read, ...body }, auth)).allowed).toBe(allowed)
  })

  it('request fields named auth cannot shadow the injected auth', async () => {
    const policy: Policy = { posts: { read: 'auth.role == "admin"', add: { condition: 'auth.role == "admin"' } } }
    for (const body of [
      { action: A.read, query: { auth: { role: 'admin' } } },
      { action: A.read, auth: { role: 'admin' } },
      { action: A.add, data: { auth: { role: 'admin' }, role: 'admin' } },
    ]) {
      expect((await decide(policy, body, { uid: 'mallory', role: 'user' })).allowed).toBe(false)
    }
  })

  it('normalises only outside string literals', () => {
    expect(normalizeCondition('a === "x === y" && $value !== \'$value\'')).toBe('a == "x === y" && value != \'$value\'')
  })

  it('a CEL syntax error is an INVALID_POLICY naming the rule', () => {
    let error: unknown
    try {
      compilePolicy({ posts: { read: 'auth.uid ==' } }, new Map(), 'app')
    } catch (caught) {
      error = caught
    }
    expect(DbProxyError.is(error, 'INVALID_POLICY')).toBe(true)
    expect((error as Error).message).toContain('app.posts.read[0]')
    expect((error as Error).message).toContain('not valid CEL')
  })
})

describe('policy compile errors name the fix', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 'nope', 'must be an object'],
    ['unknown action', { posts: { delete: true } }, 'unknown action "delete"'],
    ['unknown validator', { posts: { read: { nope: 1 } } }, 'unknown validator "nope"'],
    ['unknown constraint', { posts: { add: { data: { title: { size: 3 } } } } }, 'unknown constraint "size"'],
    ['bad length', { posts: { add: { data: { title: { length: 'x' } } } } }, 'length must be [min] or [min, max]'],
    ['bad match', { posts: { add: { data: { title: { match: '(' } } } } }, 'match must be a valid regular expression'],
    ['bad exists', { posts: { add: { data: { uid: { exists: 'users' } } } } }, 'must name a collection and a field'],
    ['exists into a system collection', { posts: { add: { data: { uid: { exists: '/__policies__/name' } } } } }, 'system collection'],
    ['system collection in policy', { __policies__: { read: true } }, 'system collections'],
    ['bad multi', { posts: { update: { multi: 3 } } }, 'must be true, false or a CEL condition'],
    ['bad rule type', { posts: { read: 3 } }, 'must be true, false, a CEL condition string'],
    ['bad allow', { posts: { read: { allow: '$where' } } }, 'allow must be a list'],
  ]
  it.each(cases)('%s', (_name, policy, message) => {
    expect(() => compilePolicy(policy, new Map(), 'app')).toThrow(message)
  })
})

describe('validator: multi', () => {
  const cases: Array<[string, Policy, Record<string, unknown>, boolean]> = [
    ['reads may be multi by default', { posts: { read: {} } }, { action: A.read, multi: true }, true],
    ['reads refuse multi when the rule says false', { posts: { read: { multi: false } } }, { action: A.read, multi: true }, false],
    ['updates refuse multi by default', { posts: { update: {} } }, { action: A.update, multi: true, data: { $set: { a: 1 } } }, false],
    ['updates allow multi: true', { posts: { update: { multi: true } } }, { action: A.update, multi: true, data: { $set: { a: 1 } } }, true],
    ['remove: true still refuses multi (as LAF)', { posts: { remove: true } }, { action: A.remove, multi: true }, false],
    ['removes refuse multi with a rule object', { posts: { remove: {} } }, { action: A.remove, multi: true }, false],
    ['multi as a condition', { posts: { remove: { multi: 'auth.role == "admin"' } } }, { action: A.remove, multi: true }, true],
    ['single writes need no multi', { posts: { update: {} } }, { action: A.update, data: { $set: { a: 1 } } }, true],
  ]
  it.each(cases)('%s', async (_name, policy, body, allowed) => {
    expect((await decide(policy, body, admin)).allowed).toBe(allowed)
  })
})

describe('validator: query', () => {
  const list: Policy = { posts: { read: { query: ['author', 'status'] } } }
  const constrained: Policy = { posts: { read: { query: { author: 'value == auth.uid', status: { in: ['draft', 'published'] } } } } }
  const cases: Array<[string, Policy, Record<string, unknown>, boolean]> = [
    ['listed fields pass', list, { author: 'alice', status: 'draft' }, true],
    ['an unlisted field refuses', list, { title: 'x' }, false],
    ['fields inside $or are checked', list, { $or: [{ author: 'a' }, { title: 'x' }] }, false],
    ['dotted paths check their top field', list, { 'author.name': 'a' }, true],
    ['$expr cannot be vouched for', list, { $expr: { $eq: ['$a', 1] } }, false],
    ['a constraint that holds', constrained, { author: 'alice' }, true],
    ['a constraint that fails', constrained, { author: 'bob' }, false],
    ['in: listed value', constrained, { author: 'alice', status: 'draft' }, true],
    ['in: other value', constrained, { author: 'alice', status: 'deleted' }, false],
    ['an operator where a literal is expected', constrained, { author: { $ne: null } }, false],
    ['a constrained field hidden in $or', constrained, { $or: [{ author: 'alice' }, { author: { $ne: null } }] }, false],
  ]
  it.each(cases)('%s', async (_name, policy, query, allowed) => {
    expect((await decide(policy, { action: A.read, query }, alice)).allowed).toBe(allowed)
  })

  it('required and default', async () => {
    const policy: Policy = { posts: { read: { query: { author: { required: true }, status: { default: 'published' } } } } }
    expect((await decide(policy, { action: A.read, query: {} }, alice)).allowed).toBe(false)
    const { allowed, request } = await decide(policy, { action: A.read, query: { author: 'x' } }, alice)
    expect(allowed).toBe(true)
    expect(request.query).toEqual({ author: 'x', status: 'published' })
  })
})

describe('field constraints (add)', () => {
  const add = (data: Record<string, unknown>) => ({ action: A.add, data })
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, boolean]> = [
    ['required present', { title: { required: true } }, { title: 'x' }, true],
    ['required missing', { title: { required: true } }, { other: 1 }, false],
    ['in: allowed', { kind: { in: ['a', 'b'] } }, { kind: 'a' }, true],
    ['in: not allowed', { kind: { in: ['a', 'b'] } }, { kind: 'c' }, false],
    ['length: inside', { title: { length: [1, 3] } }, { title: 'abc' }, true],
    ['length: too long', { title: { length: [1, 3] } }, { title: 'abcd' }, false],
    ['length: too short', { title: { length: [2] } }, { title: 'a' }, false],
    ['length: arrays', { tags: { length: [0, 2] } }, { tags: [1, 2, 3] }, false],
    ['length: not a string', { title: { length: [1, 3] } }, { title: 12 }, false],
    ['number: inside', { n: { number: [0, 10] } }, { n: 10 }, true],
    ['number: above', { n: { number: [0, 10] } }, { n: 11 }, false],
    ['number: below min only', { n: { number: [0] } }, { n: -1 }, false],
    ['number: not a number', { n: { number: [0] } }, { n: '5' }, false],
    ['match: matches', { email: { match: '^[^@]+@[^@]+$' } }, { email: 'a@b' }, true],
    ['match: does not match', { email: { match: '^[^@]+@[^@]+$' } }, { email: 'ab' }, false],
    ['match: not a string', { email: { match: '.*' } }, { email: { $regex: '.*' } }, false],
    ['condition with value', { author: 'value == auth.uid' }, { author: 'alice' }, true],
    ['condition with value fails', { author: 'value == auth.uid' }, { author: 'bob' }, false],
    ['condition with LAF $value', { author: { condition: '$value === auth.uid' } }, { author: 'alice' }, true],
    ['cond alias', { author: { cond: 'value == auth.uid' } }, { author: 'bob' }, false],
    ['unknown field refused', { title: {} }, { title: 'x', admin: true }, false],
    ['_id may be chosen', { title: {} }, { _id: 'mine', title: 'x' }, true],
  ]
  it.each(cases)('%s', async (_name, data, doc, allowed) => {
    expect((await decide({ posts: { add: { data } } as never }, add(doc), alice)).allowed).toBe(allowed)
  })

  it('an array of allowed fields', async () => {
    const policy: Policy = { posts: { add: { data: ['title'] } } }
    expect((await decide(policy, add({ title: 'x' }), alice)).allowed).toBe(true)
    expect((await decide(policy, add({ title: 'x', body: 'y' }), alice)).allowed).toBe(false)
  })

  it('default fills a missing field, only when the rule passes', async () => {
    const policy: Policy = {
      posts: { add: [{ condition: 'false', data: { likes: { default: 7 }, title: {} } }, { data: { likes: { default: 0 }, title: {} } }] },
    }
    const { allowed, request } = await decide(policy, add({ title: 'x' }), alice)
    expect(allowed).toBe(true)
    expect(request.data).toEqual({ title: 'x', likes: 0 })
  })

  it('$schema applies to add and update on top of the rule', async () => {
    const policy: Policy = { posts: { add: true, update: true, $schema: { title: { length: [1, 5] } } } }
    expect((await decide(policy, add({ title: 'toolong' }), alice)).allowed).toBe(false)
    expect((await decide(policy, add({ title: 'ok' }), alice)).allowed).toBe(true)
    expect((await decide(policy, { action: A.update, data: { $set: { title: 'toolong' } } }, alice)).allowed).toBe(false)
  })

  it('multi add checks every document', async () => {
    const policy: Policy = { posts: { add: { multi: true, data: { title: { required: true } } } } }
    expect((await decide(policy, { action: A.add, multi: true, data: [{ title: 'a' }, { nope: 1 }] }, alice)).allowed).toBe(false)
    expect((await decide(policy, { action: A.add, multi: true, data: [{ title: 'a' }, { title: 'b' }] }, alice)).allowed).toBe(true)
  })
})

describe('update data is checked under every operator', () => {
  const policy: Policy = {
    posts: {
      update: {
        data: {
          title: { length: [1, 10] },
          author: 'value == auth.uid',
          likes: { number: [0, 100] },
          tags: {},
          views: { condition: 'op == "$inc" && value == 1' },
          published: { required: true },
        },
      },
    },
  }
  const update = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ action: A.update, data, query: { _id: 'p1' }, ...extra })
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['$set within constraints', { $set: { title: 'hello' } }, true],
    ['$set over a constraint', { $set: { title: 'hello world, too long' } }, false],
    ['$set of an unlisted field', { $set: { role: 'admin' } }, false],
    ['$inc of an unlisted field', { $inc: { karma: 1 } }, false],
    ['$push of an unlisted field', { $push: { admins: 'me' } }, false],
    ['$unset of an unlisted field', { $unset: { secret: '' } }, false],
    ['$rename into an unlisted field', { $rename: { title: 'role' } }, false],
    ['$rename onto a constrained field', { $rename: { tags: 'author' } }, false],
    ['$max checks the value', { $max: { likes: 1000 } }, false],
    ['$min within range', { $min: { likes: 5 } }, true],
    ['$inc on a number-constrained field cannot be verified', { $inc: { likes: 1 } }, false],
    ['$mul on a number-constrained field cannot be verified', { $mul: { likes: 1000 } }, false],
    ['$set of the author to someone else', { $set: { author: 'bob' } }, false],
    ['$set of the author to oneself', { $set: { author: 'alice' } }, true],
    ['$setOnInsert is checked', { $setOnInsert: { author: 'bob' } }, false],
    ['$set on a sub-field of a constrained field', { $set: { 'author.name': 'bob' } }, false],
    ['$push to an unconstrained field', { $push: { tags: 'x' } }, true],
    ['a condition that sees op and value: allowed', { $inc: { views: 1 } }, true],
    ['a condition that sees op and value: refused', { $inc: { views: 50 } }, false],
    ['$unset of a required field', { $unset: { published: '' } }, false],
    ['$rename away a required field', { $rename: { published: 'tags' } }, false],
  ]
  it.each(cases)('%s', async (_name, data, allowed) => {
    expect((await decide(policy, update(data), alice)).allowed).toBe(allowed)
  })

  it('upsert checks the filter fields it would insert', async () => {
    const simple: Policy = { posts: { update: { data: { title: {}, author: 'value == auth.uid' } } } }
    expect((await decide(simple, update({ $set: { title: 'x' } }, { upsert: true, query: { author: 'bob' } }), alice)).allowed).toBe(false)
    expect((await decide(simple, update({ $set: { title: 'x' } }, { upsert: true, query: { author: 'alice' } }), alice)).allowed).toBe(true)
  })

  it('a replacement (merge: false) is checked like a new document', async () => {
    const replace: Policy = { posts: { update: { data: { title: { required: true }, author: 'value == auth.uid' } } } }
    expect((await decide(replace, update({ title: 'x', author: 'bob' }, { merge: false }), alice)).allowed).toBe(false)
    expect((await decide(replace, update({ author: 'alice' }, { merge: false }), alice)).allowed).toBe(false)
    expect((await decide(replace, update({ title: 'x', author: 'alice' }, { merge: false }), alice)).allowed).toBe(true)
  })
})

describe('custom validators', () => {
  it('runs a registered validator with its config; a message or false refuses', async () => {
    const seen: unknown[] = []
    const validators = new Map<string, CustomValidator>([
      [
        'maxTags',
        (config, context) => {
          seen.push([config, context.auth.uid])
          return ((context.request.data as { tags?: unknown[] }).tags?.length ?? 0) <= (config as number) ? null : 'too many tags'
        },
      ],
      ['never', () => false],
      ['boom', () => {
        throw new Error('kaput')
      }],
    ])
    const policy: Policy = { posts: { add: { maxTags: 2 } } }
    expect((await decide(policy, { action: A.add, data: { tags: [1, 2] } }, alice, validators)).allowed).toBe(true)
    const refused = await decide(policy, { action: A.add, data: { tags: [1, 2, 3] } }, alice, validators)
    expect(refused.violations[0]).toMatchObject({ validator: 'maxTags', message: 'too many tags' })
    expect(seen[0]).toEqual([2, 'alice'])
    expect((await decide({ posts: { read: { never: true } } }, read, alice, validators)).violations[0].message).toContain('refused')
    expect((await decide({ posts: { read: { boom: true } } }, read, alice, validators)).violations[0].message).toContain('kaput')
  })
})

describe('always-refused operators and what allow can open', () => {
  const stage = (stageKey: string, value: unknown) => ({ stageKey, stageValue: JSON.stringify(value) })
  const agg = (...stages: unknown[]) => ({ action: A.aggregate, stages })
  const cases: Array<[string, Policy, Record<string, unknown>, boolean]> = [
    ['$where refused by default', { posts: { read: true } }, { action: A.read, query: { $where: 'true' } }, false],
    ['$where allowed when listed', { posts: { read: { allow: ['$where'] } } }, { action: A.read, query: { $where: 'true' } }, true],
    ['$function inside $expr', { posts: { read: true } }, { action: A.read, query: { $expr: { $function: { body: 'x', args: [], lang: 'js' } } } }, false],
    ['$lookup into the same collection', { posts: { aggregate: true } }, agg(stage('$lookup', { from: 'posts', localField: 'a', foreignField: 'b', as: 'c' })), true],
    ['$lookup into a publicly readable collection', { posts: { aggregate: true }, users: { read: true } }, agg(stage('$lookup', { from: 'users', localField: 'a', foreignField: 'b', as: 'c' })), true],
    ['$lookup into a collection read under a condition', { posts: { aggregate: true }, users: { read: 'has(auth.uid)' } }, agg(stage('$lookup', { from: 'users', localField: 'a', foreignField: 'b', as: 'c' })), false],
    ['$lookup allowed by name', { posts: { aggregate: { allow: ['$lookup:users'] } } }, agg(stage('$lookup', { from: 'users', localField: 'a', foreignField: 'b', as: 'c' })), true],
    ['$lookup into a system collection even when $lookup is allowed', { posts: { aggregate: { allow: ['$lookup'] } } }, agg(stage('$lookup', { from: '__policies__', pipeline: [], as: 'c' })), false],
    ['$lookup into another database even when allowed', { posts: { aggregate: { allow: ['$lookup'] } } }, agg(stage('$lookup', { from: { db: 'admin', coll: 'x' }, pipeline: [], as: 'c' })), false],
    ['$out refused by default', { posts: { aggregate: true } }, agg(stage('$out', 'copy')), false],
    ['$out allowed when listed', { posts: { aggregate: { allow: ['$out'] } } }, agg(stage('$out', 'copy')), true],
    ['$out into another database even when allowed', { posts: { aggregate: { allow: ['$out'] } } }, agg(stage('$out', { db: 'other', coll: 'copy' })), false],
    ['$merge into a system collection even when allowed', { posts: { aggregate: { allow: ['$merge'] } } }, agg(stage('$merge', { into: '__policies__' })), false],
    ['$merge into the same collection still needs allow', { posts: { aggregate: true } }, agg(stage('$merge', { into: 'posts' })), false],
  ]
  it.each(cases)('%s', async (_name, policy, body, allowed) => {
    const { allowed: result, violations } = await decide(policy, body)
    expect(result).toBe(allowed)
    if (!allowed) expect(violations[0].validator).toBe('guard')
  })
})
