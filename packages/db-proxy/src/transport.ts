import type { DbRequest, DbResponse } from '@scraping-run/cloud/protocol'
import type { Db } from 'mongodb'
import { createMongoAccessor } from './accessor.js'
import { DbProxyError } from './errors.js'
import { resolveLimits } from './limits.js'
import { parseRequest } from './request.js'
import type { DbProxyLimits } from './types.js'

/**
 * A trusted query-builder transport for server code (a runtime's `cloud.database()`): no policy, but the same request
 * checks (shape, depth, sizes, limit) and the same answers as the proxy. System collections (`__*`) are reachable.
 */
export function createDirectTransport(options: { db: Db; limits?: Partial<DbProxyLimits>; laf?: boolean }): { send(request: DbRequest): Promise<DbResponse> } {
  if (!options?.db || typeof options.db.collection !== 'function') {
    throw new DbProxyError('INVALID_ARGUMENT', 'createDirectTransport({db}) needs a Db from the official mongodb driver')
  }
  const limits = resolveLimits(options.limits)
  const accessor = createMongoAccessor(options.db, limits, { laf: options.laf === true })
  return {
    async send(body) {
      try {
        return { code: 0, data: await accessor.execute(parseRequest(body, limits, true)) }
      } catch (error) {
        if (DbProxyError.is(error)) return { code: error.code, error: error.message }
        throw error
      }
    },
  }
}
