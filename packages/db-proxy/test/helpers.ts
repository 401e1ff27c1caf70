import type { Db } from 'mongodb'
import { compilePolicy } from '../src/policy/compile.js'
import { authorize } from '../src/policy/evaluate.js'
import { resolveLimits } from '../src/limits.js'
import { parseRequest } from '../src/request.js'
import type { CustomValidator, Policy } from '../src/types.js'

export const A = {
  read: 'database.queryDocument',
  add: 'database.addDocument',
  update: 'database.updateDocument',
  remove: 'database.deleteDocument',
  count: 'database.countDocument',
  aggregate: 'database.aggregateDocuments',
} as const

/** Runs the policy engine alone (no database): the violations for `body` as `auth`, and the request as the rules left it. */
export async function decide(
  policy: Policy,
  body: Record<string, unknown>,
  auth: Record<string, unknown> = {},
  validators: Map<string, CustomValidator> = new Map(),
) {
  const compiled = compilePolicy(policy, validators, 'p')
  const request = parseRequest({ collectionName: 'posts', ...body }, resolveLimits())
  const { violations } = await authorize(compiled, 'p', request, Object.freeze({ ...auth }), undefined as unknown as Db)
  return { allowed: violations.length === 0, violations, request }
}
