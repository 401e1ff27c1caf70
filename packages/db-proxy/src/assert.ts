// Policy unit tests for users' own test suites (like Firebase's rules unit testing): each helper runs `proxy.check` and
// throws an ASSERTION_FAILED error that says what the policy decided instead.
import { DbProxyError } from './errors.js'
import type { DbProxy } from './proxy.js'
import type { CheckResult, ProxyUser } from './types.js'

/** What a denial must look like; every given field must match. */
export interface DenialExpectation {
  validator?: string
  rule?: string
  /** A substring or a pattern of the message. */
  message?: string | RegExp
}

function describeResult(result: CheckResult): string {
  if (result.allowed) return `it was allowed by rule ${result.rule}`
  return `it was denied (${result.status}) by ${result.rule ?? 'the request check'} [${result.validator}]: ${result.message}`
}

/** Resolves with the check's result when `request` is allowed as `user`; throws ASSERTION_FAILED otherwise. */
export async function assertAllowed(proxy: DbProxy, policyName: string, request: unknown, user: ProxyUser = null): Promise<CheckResult> {
  const result = await proxy.check(policyName, request, user)
  if (!result.allowed) throw new DbProxyError('ASSERTION_FAILED', `expected policy "${policyName}" to allow the request, but ${describeResult(result)}`)
  return result
}

/** Resolves with the check's result when `request` is denied as `user` (as `expected` says); throws ASSERTION_FAILED otherwise. */
export async function assertDenied(
  proxy: DbProxy,
  policyName: string,
  request: unknown,
  user: ProxyUser = null,
  expected: DenialExpectation = {},
): Promise<CheckResult> {
  const result = await proxy.check(policyName, request, user)
  const fail = (what: string) => new DbProxyError('ASSERTION_FAILED', `expected policy "${policyName}" to deny the request${what}, but ${describeResult(result)}`)
  if (result.allowed) throw fail('')
  if (expected.validator !== undefined && result.validator !== expected.validator) throw fail(` by validator ${expected.validator}`)
  if (expected.rule !== undefined && result.rule !== expected.rule) throw fail(` by rule ${expected.rule}`)
  const { message } = expected
  if (message !== undefined && !(typeof message === 'string' ? result.message.includes(message) : message.test(result.message))) {
    throw fail(` with a message matching ${String(message)}`)
  }
  return result
}
