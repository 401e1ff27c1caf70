import type { DbAction, DbOrder, PolicyViolation } from '@scraping-run/cloud/protocol'
import type { Db } from 'mongodb'

/** What a rule guards: one per action. `read` also covers `count: true` on a query. */
export type Permission = 'read' | 'add' | 'update' | 'remove' | 'count' | 'aggregate'

/** Per-field checks, for `data`, `query` and `$schema`. A string is shorthand for `{condition}`. */
export interface FieldConstraint {
  required?: boolean
  default?: unknown
  in?: unknown[]
  /** `[min]` or `[min, max]` characters of a string, or items of an array. */
  length?: [number, number?]
  /** `[min]` or `[min, max]`. */
  number?: [number, number?]
  /** A regular expression the (string) value must match. */
  match?: string
  /** No other document in this collection has the same value. */
  unique?: boolean
  /** `'/users/_id'`: a document in `users` must have `_id` equal to the value. */
  exists?: string
  /** `'/users/email'`: no document in `users` may have `email` equal to the value. */
  notExists?: string
  /** A CEL expression over `value` (LAF's `$value` works too), `op`, `auth`, `query`, `data`. */
  condition?: string
  cond?: string
}

export type FieldRules = string[] | Record<string, FieldConstraint | string>

/** A rule object: every validator it names must pass. */
export interface RuleObject {
  condition?: string | boolean
  data?: FieldRules
  query?: FieldRules
  multi?: boolean | string
  /** Operators this rule lets through that are otherwise always refused, e.g. `['$where']` or `['$lookup:users']`. */
  allow?: string[]
  /** Custom validators registered with `proxy.register(name, fn)`. */
  [validator: string]: unknown
}

/** `true`, `false`, a CEL condition, a rule object, or an array of those (any one passing is enough). */
export type Rule = boolean | string | RuleObject | Array<boolean | string | RuleObject>

export interface CollectionPolicy {
  read?: Rule
  add?: Rule
  update?: Rule
  remove?: Rule
  count?: Rule
  aggregate?: Rule
  /** Field constraints every `add` and `update` of this collection must also satisfy. */
  $schema?: Record<string, FieldConstraint | string>
}

/** A policy maps collection names to their rules. */
export type Policy = Record<string, CollectionPolicy>

export interface DbProxyLimits {
  /** The largest `limit` a query may ask for (default 1000). */
  maxLimit: number
  /** The `limit` of a query that gives none (default 100). */
  defaultLimit: number
  /** How deep objects and arrays may nest in a request (default 32). */
  maxDepth: number
  /** The largest document an add or update may carry, in BSON bytes (default 1 MiB). */
  maxDocumentBytes: number
  /** The largest request body the Express router reads (default 4 MiB). */
  maxBodyBytes: number
  /** How many documents one add may insert (default 1000). */
  maxDocuments: number
  /** The server-side time limit sent as `maxTimeMS` with every read and write (default 5000). */
  maxTimeMS: number
}

/** A request once checked and decoded: BSON values, defaults applied. */
export interface ParsedRequest {
  action: DbAction
  permission: Permission
  collection: string
  query: Record<string, unknown>
  data: any
  order: DbOrder[]
  offset: number
  limit: number
  projection?: Record<string, 0 | 1>
  count: boolean
  multi: boolean
  merge: boolean
  upsert: boolean
  pipeline: Record<string, unknown>[]
}

/** What a custom validator gets. Return a message (or `false`) to refuse; anything else passes. */
export interface ValidatorContext {
  request: ParsedRequest
  auth: Readonly<Record<string, unknown>>
  policyName: string
  db: Db
}

export type CustomValidator = (
  config: unknown,
  context: ValidatorContext,
) => string | false | null | undefined | void | Promise<string | false | null | undefined | void>

/** The user a request comes from: a verified JWT payload, or `null`. */
export type ProxyUser = Record<string, unknown> | null | undefined

/** Builds `auth` for conditions. Default: the user's JWT payload, or `{}`. */
export type Injector = (
  user: ProxyUser,
  info: { policy: string; request: ParsedRequest },
) => Record<string, unknown> | Promise<Record<string, unknown>>

/** What `handle` knows about the HTTP request, for `tenant`. */
export interface HandleContext {
  headers?: Record<string, string | string[] | undefined>
  [key: string]: unknown
}

/**
 * Picks a request's database. `req` is the HTTP request when the router calls (`context.request`), else an object with the
 * `headers` given to `handle`.
 */
export type TenantResolver = (
  req: { headers: Record<string, string | string[] | undefined>; [key: string]: any },
  info: { policy: string; user: ProxyUser; context: HandleContext },
) => string | Promise<string>

export interface HandleResult {
  status: number
  body: { code: 0; data: unknown } | { code: string; error: unknown }
}

/** What `proxy.check` decided for one request, without running it. */
export interface CheckResult {
  /** True when `handle` would run the request. */
  allowed: boolean
  /** The status `handle` would answer with before touching data: 200 (allowed), 403, 400 or 413. */
  status: number
  /** The rule that allowed the request, or the first rule that refused it (`app.posts.add[0]`: policy, collection, action, index); null for a bad request. */
  rule: string | null
  /** The validator that refused (`condition`, `data`, `query`, `multi`, `guard`, `policy`, `request`, a custom name); null when allowed. */
  validator: string | null
  message: string
  /** `'permission denied'` or the request's error code when refused. */
  code?: string
  /** Every rule tried and why it refused (the 403 body's `error`). */
  violations: PolicyViolation[]
}
