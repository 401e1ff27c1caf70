import type { DbRequest, DbResponse } from '@scraping-run/cloud/protocol'
import type { Db } from 'mongodb'
import { createMongoAccessor, type MongoAccessor } from './accessor.js'
import { DbProxyError, STATUS_OF } from './errors.js'
import { resolveLimits } from './limits.js'
import { authorize } from './policy/evaluate.js'
import { createPolicyStore, type PolicySource } from './policy/source.js'
import { parseRequest } from './request.js'
import type { CheckResult, CustomValidator, DbProxyLimits, HandleContext, HandleResult, Injector, ParsedRequest, ProxyUser, TenantResolver } from './types.js'

export interface DbProxyOptions {
  /** The database requests run against (with `tenant`, the one whose client opens the tenants' databases). */
  db: Db
  /** Policies by name, an async `(name) => policy`, or a collection of `{name, rules}` (default: `db.__policies__`). */
  policies?: PolicySource
  /** Builds `auth` for conditions from the user (default: the JWT payload, or `{}`). */
  injector?: Injector
  limits?: Partial<DbProxyLimits>
  /** `tenant(req, info) → dbName`: picks the database for a request, so one proxy serves one database per tenant. */
  tenant?: TenantResolver
  /**
   * LAF's profile, for a migrated LAF app (default false): added documents get hex-string `_id`s, an `_id` given as hex or
   * ObjectId matches both forms, a multi add answers `_id` as `{0: id, …}`, a database error answers 200 with `error` (as
   * LAF's proxy does), and conditions also see the user's fields at top level (`uid == query.author`).
   */
  laf?: boolean
}

export interface DbProxy {
  /** Checks a request body against a policy and runs it. Never throws: every outcome is a status and a body. */
  handle(policyName: string, body: unknown, user: ProxyUser, context?: HandleContext): Promise<HandleResult>
  /**
   * Would `handle` allow this wire-format request as `user`? Runs every check of the policy (shape, guards, rules) but never
   * the request itself, so nothing is read or written beyond what a rule's own lookups (`unique`, `exists`) read. Throws
   * `POLICY_NOT_FOUND` for an unknown policy and `INVALID_POLICY` for one that does not compile.
   */
  check(policyName: string, request: unknown, user?: ProxyUser, context?: HandleContext): Promise<CheckResult>
  /** Adds a custom validator usable in rule objects as `{<name>: config}`. Policies compiled before are compiled again. */
  register(name: string, validator: CustomValidator): DbProxy
  /** A query-builder transport that runs every request through `handle` as `user`. */
  transport(policyName: string, user: ProxyUser): { send(request: DbRequest): Promise<DbResponse> }
  /** Forgets cached policies (all, or one name), e.g. after editing `__policies__`. */
  invalidate(name?: string): void
  readonly limits: Readonly<DbProxyLimits>
}

const TENANT_NAME = /^[A-Za-z0-9_-]{1,63}$/
const RESERVED_DBS = new Set(['admin', 'local', 'config'])

function errorResult(error: unknown, laf: boolean): HandleResult {
  // LAF's proxy answers a failed query with 200 {code, error}: its clients read `error` from the body, and axios (in
  // laf-client-sdk) would throw on a 500.
  if (laf && DbProxyError.is(error, 'DATABASE_ERROR')) return { status: 200, body: { code: error.code, error: error.message } }
  if (DbProxyError.is(error)) {
    // A duplicate key is the client's conflict, not a server fault.
    const duplicate = error.code === 'DATABASE_ERROR' && (error.cause as { code?: number } | undefined)?.code === 11000
    return { status: duplicate ? 409 : STATUS_OF[error.code], body: { code: error.code, error: error.message } }
  }
  return { status: 500, body: { code: 'DATABASE_ERROR', error: 'the proxy failed unexpectedly' } }
}

export function createDbProxy(options: DbProxyOptions): DbProxy {
  if (!options || !options.db || typeof options.db.collection !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'createDbProxy({db}) needs a Db from the official mongodb driver (client.db(name))')
  }
  const limits = resolveLimits(options.limits)
  const laf = options.laf === true
  const validators = new Map<string, CustomValidator>()
  let store = createPolicyStore(options.policies, validators)
  const injector: Injector = options.injector ?? ((user) => (user && typeof user === 'object' ? user : {}))
  const accessors = new Map<string, MongoAccessor>()
  const tenantDbs = new Map<string, Db>()

  function accessorFor(db: Db): MongoAccessor {
    let accessor = accessors.get(db.databaseName)
    if (!accessor) {
      if (accessors.size >= 1000) accessors.clear()
      accessors.set(db.databaseName, (accessor = createMongoAccessor(db, limits, { laf })))
    }
    return accessor
  }

  async function resolveDb(policy: string, user: ProxyUser, context: HandleContext): Promise<Db> {
    if (!options.tenant) return options.db
    const req = (context.request as { headers?: unknown } | undefined) ?? { headers: context.headers ?? {} }
    const name = await options.tenant(req as Parameters<TenantResolver>[0], { policy, user, context })
    if (typeof name !== 'string' || !TENANT_NAME.test(name) || RESERVED_DBS.has(name)) {
      throw new DbProxyError('BAD_REQUEST', `the tenant resolver returned ${JSON.stringify(name)}, which is not a usable database name`)
    }
    let db = tenantDbs.get(name)
    if (!db) {
      if (tenantDbs.size >= 1000) tenantDbs.clear()
      tenantDbs.set(name, (db = options.db.client.db(name)))
    }
    return db
  }

  /** The steps `handle` and `check` share: the parsed request, its database, the compiled policy and `auth`. */
  async function prepare(policyName: string, body: unknown, user: ProxyUser, context: HandleContext) {
    if (typeof policyName !== 'string' || policyName.length === 0 || policyName.length > 128 || policyName.startsWith('$')) {
      throw new DbProxyError('POLICY_NOT_FOUND', `policy ${JSON.stringify(String(policyName).slice(0, 128))} not found`)
    }
    const request: ParsedRequest = parseRequest(body, limits)
    const db = await resolveDb(policyName, user, context)
    const policy = await store.get(policyName, db)
    if (!policy) throw new DbProxyError('POLICY_NOT_FOUND', `policy "${policyName}" not found`)
    const rawAuth = await injector(user ?? null, { policy: policyName, request })
    const auth = Object.freeze({ ...(rawAuth && typeof rawAuth === 'object' ? rawAuth : {}) })
    return { request, db, policy, auth }
  }

  const proxy: DbProxy = {
    limits,
    async handle(policyName, body, user, context = {}) {
      try {
        const { request, db, policy, auth } = await prepare(policyName, body, user, context)
        const { violations } = await authorize(policy, policyName, request, auth, db, laf)
        if (violations.length > 0) return { status: 403, body: { code: 'permission denied', error: violations } }
        const data = await accessorFor(db).execute(request)
        return { status: 200, body: { code: 0, data } }
      } catch (error) {
        return errorResult(error, laf)
      }
    },
    async check(policyName, body, user, context = {}) {
      let prepared: Awaited<ReturnType<typeof prepare>>
      try {
        prepared = await prepare(policyName, body, user, context)
      } catch (error) {
        // A request the proxy refuses before any rule (shape, size, a system collection) is a denial, not a failure.
        if (!DbProxyError.is(error) || !['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'POLICY_DENIED'].includes(error.code)) throw error
        const status = STATUS_OF[error.code]
        return { allowed: false, status, rule: null, validator: 'request', message: error.message, code: error.code, violations: [] }
      }
      const { request, db, policy, auth } = prepared
      const { rule, violations } = await authorize(policy, policyName, request, auth, db, laf)
      if (rule !== null) return { allowed: true, status: 200, rule, validator: null, message: `allowed by rule ${rule}`, violations: [] }
      const first = violations[0]!
      return { allowed: false, status: 403, rule: first.rule, validator: first.validator, message: first.message, code: 'permission denied', violations }
    },
    register(name, validator) {
      if (typeof name !== 'string' || !/^[A-Za-z_][\w-]*$/.test(name) || ['condition', 'cond', 'data', 'query', 'multi', 'allow'].includes(name)) {
        throw new DbProxyError('INVALID_ARGUMENT', `register(name, fn): "${String(name)}" is not a usable validator name (built-in names are taken)`)
      }
      if (typeof validator !== 'function') throw new DbProxyError('INVALID_ARGUMENT', `register("${name}", fn) needs a function`)
      if (validators.has(name)) throw new DbProxyError('INVALID_ARGUMENT', `a validator named "${name}" is already registered`)
      validators.set(name, validator)
      store = createPolicyStore(options.policies, validators)
      return proxy
    },
    transport(policyName, user) {
      return {
        async send(request) {
          return (await proxy.handle(policyName, request, user)).body as DbResponse
        },
      }
    },
    invalidate(name) {
      store.invalidate(name)
    },
  }
  return proxy
}

