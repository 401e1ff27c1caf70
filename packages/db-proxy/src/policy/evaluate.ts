import type { PolicyViolation } from '@scraping-run/cloud/protocol'
import type { Db } from 'mongodb'
import { toCel } from '../cel.js'
import { findRestricted, firstRefused, neverAllowed, type Finding } from '../guard.js'
import { findUnsafeRegexes } from '../regex.js'
import type { CheckContext } from '../rules/constraints.js'
import type { ParsedRequest } from '../types.js'
import type { CompiledPolicy, RuleRun } from './compile.js'

/** What a policy decided: the label of the rule that allowed the request (null when none did) and every refusal. */
export interface Decision {
  rule: string | null
  violations: PolicyViolation[]
}

/** Checks a parsed request as `auth` against a compiled policy: the rule that allows it, or the violations. */
export async function authorize(
  policy: CompiledPolicy,
  policyName: string,
  request: ParsedRequest,
  auth: Readonly<Record<string, unknown>>,
  db: Db,
  laf = false,
): Promise<Decision> {
  let cel: Record<string, unknown> | undefined
  const check: CheckContext = {
    // Built on first use; `auth` goes last so nothing from the request can shadow it.
    cel: () =>
      (cel ??= {
        // LAF's conditions read the user's fields at top level (`uid`); request fields keep their names, `auth` stays last.
        ...(laf ? topLevel(auth) : {}),
        query: toCel(request.query),
        data: toCel(request.data ?? {}),
        multi: request.multi,
        merge: request.merge,
        upsert: request.upsert,
        count: request.count,
        limit: request.limit,
        offset: request.offset,
        action: request.permission,
        collection: request.collection,
        auth: toCel(auth),
      }),
    db,
    collection: request.collection,
    query: request.query,
    isUpdate: request.permission === 'update',
  }
  const findings = [...findRestricted(request), ...(await findUnsafeRegexes(request))]
  return evaluatePolicy(policy, policyName, { request, check, validator: { request, auth, policyName, db } }, findings)
}

const REQUEST_NAMES = new Set(['query', 'data', 'multi', 'merge', 'upsert', 'count', 'limit', 'offset', 'action', 'collection', 'auth', 'value', 'op'])

function topLevel(auth: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(auth)) if (!REQUEST_NAMES.has(key) && value !== undefined) out[key] = toCel(value)
  return out
}

/**
 * Tries the rules for the request's collection and action in order; the first whose every check passes wins and its
 * deferred changes (defaults) are applied. Returns the winning rule's label, or the violations when none passes.
 */
export async function evaluatePolicy(
  policy: CompiledPolicy,
  policyName: string,
  run: Omit<RuleRun, 'commits'>,
  findings: Finding[],
): Promise<Decision> {
  const { request } = run
  const rules = policy.collections.get(request.collection)
  if (!rules) {
    return { rule: null, violations: [{ rule: request.collection, validator: 'policy', message: `collection "${request.collection}" is not in policy "${policyName}"` }] }
  }
  const list = rules.get(request.permission)
  if (!list || list.length === 0) {
    return {
      rule: null,
      violations: [{ rule: `${request.collection}.${request.permission}`, validator: 'policy', message: `policy "${policyName}" has no ${request.permission} rule for "${request.collection}"` }],
    }
  }
  const violations: PolicyViolation[] = []
  for (const rule of list) {
    const refused = firstRefused(findings, rule.allow, request.collection, policy.publicCollections)
    if (refused) {
      violations.push({
        rule: rule.label,
        validator: 'guard',
        message: refused.reason
          ? refused.reason
          : neverAllowed(refused)
          ? `${refused.operator} into ${refused.target ? `"${refused.target}"` : 'another database'} is never allowed`
          : refused.target
          ? `${refused.operator} into "${refused.target}" is refused: the policy does not grant it (allow it with "allow": ["${refused.token}"])`
          : `${refused.operator} is refused unless a rule allows it ("allow": ["${refused.operator}"])`,
      })
      continue
    }
    const ruleRun: RuleRun = { ...run, commits: [] }
    let failed: PolicyViolation | undefined
    for (const check of rule.checks) {
      // Most checks are synchronous (conditions, multi); awaiting only promises keeps a read's overhead down.
      const pending = check.run(ruleRun)
      const message = pending instanceof Promise ? await pending : pending
      if (message) {
        failed = { rule: rule.label, validator: check.validator, message }
        break
      }
    }
    if (!failed) {
      for (const commit of ruleRun.commits) commit()
      return { rule: rule.label, violations: [] }
    }
    violations.push(failed)
  }
  return { rule: null, violations }
}
