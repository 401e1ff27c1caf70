// The operators no client gets unless a rule names them in `allow`: server-side JavaScript, writes from a pipeline, and joins
// into collections the policy does not grant. Found anywhere: in the filter, the update, nested in $expr / $or / $elemMatch,
// or in any aggregation stage, including sub-pipelines of $lookup and $facet.
import type { ParsedRequest } from './types.js'

/** Refused wherever they appear. */
const CODE_OPERATORS = new Set(['$where', '$function', '$accumulator'])
/** Refused as stages. */
const WRITE_STAGES = new Set(['$out', '$merge'])
/** Stages that read another collection: [stage, the key naming the collection]. */
const JOIN_STAGES: Record<string, string> = { $lookup: 'from', $unionWith: 'coll', $graphLookup: 'from' }

export interface Finding {
  /** What a rule's `allow` must list: `$where`, `$out`, `$lookup:users`, … */
  token: string
  operator: string
  /** The collection a join reads, for join stages. */
  target?: string
}

function scan(value: unknown, findings: Finding[], depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 256) return
  if (Array.isArray(value)) {
    for (const item of value) scan(item, findings, depth + 1)
    return
  }
  // BSON values (ObjectId, Date, …) hold no operators.
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (CODE_OPERATORS.has(key)) findings.push({ token: key, operator: key })
    if (WRITE_STAGES.has(key)) findings.push({ token: key, operator: key })
    if (key in JOIN_STAGES) {
      const spec = inner as Record<string, unknown> | string
      const target = typeof spec === 'string' ? spec : typeof spec?.[JOIN_STAGES[key]] === 'string' ? (spec[JOIN_STAGES[key]] as string) : undefined
      findings.push({ token: `${key}:${target ?? '?'}`, operator: key, target })
    }
    scan(inner, findings, depth + 1)
  }
}

/** Every always-refused operator in the request, once per occurrence. */
export function findRestricted(request: ParsedRequest): Finding[] {
  const findings: Finding[] = []
  scan(request.query, findings, 0)
  scan(request.data, findings, 0)
  scan(request.pipeline, findings, 0)
  return findings
}

/**
 * The first finding a rule does not let through, or undefined. A join is fine when it reads the request's own collection or
 * a collection whose `read` rule is plainly `true`; anything else needs `allow: ['$lookup:<collection>']` (or `'$lookup'`).
 */
export function firstRefused(
  findings: Finding[],
  allow: ReadonlySet<string>,
  collection: string,
  publicCollections: ReadonlySet<string>,
): Finding | undefined {
  for (const finding of findings) {
    // System collections stay out of reach whatever a rule allows.
    if (finding.target?.startsWith('__')) return finding
    if (allow.has(finding.token) || allow.has(finding.operator)) continue
    if (finding.target !== undefined) {
      if (finding.target === collection || publicCollections.has(finding.target)) continue
    }
    return finding
  }
  return undefined
}
