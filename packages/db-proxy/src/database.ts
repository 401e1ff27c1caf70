// What a runtime needs for `cloud.database()`: the query builder of @scraping-run/cloud over the direct transport (trusted
// code, no policy), or through a proxy with the invocation's user when a policy is named.
import { createDatabase, type DatabaseOptions, type Db } from '@scraping-run/cloud'
import type { Db as MongoDb } from 'mongodb'
import { DbProxyError } from './errors.js'
import { createDbProxy, type DbProxy } from './proxy.js'
import { createDirectTransport } from './transport.js'
import type { DbProxyLimits, ProxyUser } from './types.js'

export interface DatabaseProviderOptions {
  db: MongoDb
  /** The proxy whose policies `{policy}` applies (default: one over `db` reading `__policies__`, made on first use). */
  proxy?: DbProxy
  limits?: Partial<DbProxyLimits>
  /** LAF's profile for `cloud.database()` (hex-string `_id`s, both id forms match); see `createDbProxy({laf})`. */
  laf?: boolean
}

/** `(options, user) → Db`: `database()` is trusted and direct; `database({policy})` is checked as `user`. */
export type DatabaseProvider = (options: DatabaseOptions | undefined, user: ProxyUser) => Db

export function createDatabaseProvider(options: DatabaseProviderOptions): DatabaseProvider {
  if (!options?.db || typeof options.db.collection !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'createDatabaseProvider({db}) needs a Db from the official mongodb driver')
  }
  // One trusted builder serves every invocation: it holds no per-call state.
  const direct = createDatabase(createDirectTransport({ db: options.db, limits: options.limits, laf: options.laf }))
  let proxy = options.proxy
  return (databaseOptions, user) => {
    const policy = databaseOptions?.policy
    if (policy === undefined) return direct
    if (typeof policy !== 'string' || policy.length === 0) {
      throw new DbProxyError('INVALID_ARGUMENT', 'database({policy}) needs a policy name, e.g. database({policy: "app"})')
    }
    proxy ??= createDbProxy({ db: options.db, limits: options.limits, laf: options.laf })
    return createDatabase(proxy.transport(policy, user ?? null))
  }
}
