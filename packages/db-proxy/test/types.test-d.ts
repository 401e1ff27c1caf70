// Compile-time checks of the public types (run by `tsc --noEmit`, the package's typecheck).
import type { DbTransport } from '@scraping-run/cloud'
import { assertDenied, createDbProxy, createDirectTransport, DbProxyError, type CheckResult, type DbProxy, type DbProxyErrorCode, type DenialExpectation, type HandleResult, type Policy, type ProxyUser } from '@scraping-run/db-proxy'
import { dbProxyRouter, type DbProxyRouter } from '@scraping-run/db-proxy/express'
import express from 'express'
import type { Db } from 'mongodb'
import { expectTypeOf } from 'vitest'

declare const db: Db

const policy = {
  posts: {
    read: true,
    add: { condition: 'has(auth.uid)', data: { title: { required: true, length: [1, 64] }, author: 'value == auth.uid' } },
    update: ['auth.role == "admin"', { condition: 'query.author == auth.uid', data: ['title'], multi: false }],
    remove: false,
    $schema: { likes: { number: [0], default: 0 } },
  },
} satisfies Policy

const proxy = createDbProxy({ db, policies: { app: policy }, injector: (user) => ({ uid: user?.uid }), limits: { maxLimit: 500 } })
expectTypeOf(proxy).toEqualTypeOf<DbProxy>()
expectTypeOf(proxy.handle('app', {}, null)).resolves.toEqualTypeOf<HandleResult>()
expectTypeOf(proxy.transport('app', { uid: 'u' })).toExtend<DbTransport>()
expectTypeOf(createDirectTransport({ db })).toExtend<DbTransport>()
expectTypeOf(proxy.register('quota', async (_config, { auth, db: database }) => (auth.uid && database ? null : 'no'))).toEqualTypeOf<DbProxy>()

createDbProxy({ db, policies: async (name) => (name === 'app' ? policy : null) })
createDbProxy({ db, policies: db.collection('__policies__'), tenant: (req) => String(req.headers['x-tenant']) })

const router = dbProxyRouter(proxy, { jwtSecret: 's' })
expectTypeOf(router).toEqualTypeOf<DbProxyRouter>()
express().use('/proxy', router)

expectTypeOf<DbProxyErrorCode>().toEqualTypeOf<
  'POLICY_NOT_FOUND' | 'POLICY_DENIED' | 'INVALID_POLICY' | 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE' | 'MISSING_PEER' | 'DATABASE_ERROR' | 'INVALID_ARGUMENT' | 'ASSERTION_FAILED'
>()
expectTypeOf(new DbProxyError('BAD_REQUEST', 'x').code).toEqualTypeOf<DbProxyErrorCode>()

// @ts-expect-error: rules are booleans, conditions, rule objects or arrays of them
const bad: Policy = { posts: { read: 3 } }
void bad

// proxy.check and the assert helpers answer a CheckResult.
expectTypeOf(proxy.check('app', {}, null)).resolves.toEqualTypeOf<CheckResult>()
expectTypeOf(assertDenied).parameters.toEqualTypeOf<[DbProxy, string, unknown, ProxyUser?, DenialExpectation?]>()
