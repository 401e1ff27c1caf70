// The operators no client gets unless a rule names them in `allow`: server-side JavaScript, writes from a pipeline, and joins
// into collections the policy does not grant. Found anywhere: in the filter, the update, nested in $expr / $or / $elemMatch,
// or in any aggregation stage, including sub-pipelines of $lookup and $facet.
import { isPlainObject } from '@scraping-run/cloud/protocol'
import type { ParsedRequest } from './types.js'

/** Refused wherever they appear. */
const CODE_OPERATORS = new Set(['$where', '$function', '$accumulator'])
/** Stages that name another collection: [stage, the key naming it when the argument is an object]. */
const COLLECTION_STAGES: Record<string, string> = { $lookup: 'from', $unionWith: 'coll', $graphLookup: 'from', $out: 'coll', $merge: 'into' }
/** Of those, the ones that write. */
const WRITE_STAGES = new Set(['$out', '$merge'])

export interface Finding {
  /** What a rule's `allow` must list: `$where`, `$out`, `$lookup:users`, … */
  token: string
  operator: string
  /** The collection a stage reads or writes. */
  target?: string
  /** The stage names a collection in a form no rule can allow: another database, or no plain name at all. */
  unsafe?: boolean
  /** Why the finding is refused, when the operator's name alone does not say (an unsafe regular expression). */
  reason?: string
}

function scan(value: unknown, findings: Finding[], depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 256) return
  if (Array.isArray(value)) {
    for (const item of value) scan(item, findings, depth + 1)
    return
  }
  // BSON values (ObjectId, Date, …) hold no operators.
  if (!isPlainObject(value)) return
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (CODE_OPERATORS.has(key)) findings.push({ token: key, operator: key })
    if (Object.prototype.hasOwnProperty.call(COLLECTION_STAGES, key)) {
      const spec = inner as Record<string, unknown> | string
      const named = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? spec[COLLECTION_STAGES[key]] : undefined
      const target = typeof named === 'string' ? named : undefined
      // `{db, coll}` forms reach other databases; a $lookup with only a pipeline reads no collection.
      const unsafe = (named !== undefined && target === undefined) || (typeof spec === 'object' && spec !== null && 'db' in spec)
      const token = WRITE_STAGES.has(key) ? key : `${key}:${target ?? '?'}`
      findings.push({ token, operator: key, target, unsafe })
    }
    scan(inner, findings, depth + 1)
  }
}

/** True for a finding no `allow` can let through. */
export function neverAllowed(finding: Finding): boolean {
  return Boolean(finding.unsafe || finding.target?.startsWith('__') || finding.target?.startsWith('system.'))
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
 * `$out` / `$merge` need `allow: ['$out']` / `['$merge']`. Nothing allows `__*` collections or another database.
 */
export function firstRefused(
  findings: Finding[],
  allow: ReadonlySet<string>,
  collection: string,
  publicCollections: ReadonlySet<string>,
): Finding | undefined {
  for (const finding of findings) {
    // System collections and other databases stay out of reach whatever a rule allows.
    if (neverAllowed(finding)) return finding
    if (allow.has(finding.token) || allow.has(finding.operator)) continue
    // Joins may read the request's own collection, or one anyone may read.
    if (finding.target !== undefined && !WRITE_STAGES.has(finding.operator)) {
      if (finding.target === collection || publicCollections.has(finding.target)) continue
    }
    return finding
  }
  return undefined
}
