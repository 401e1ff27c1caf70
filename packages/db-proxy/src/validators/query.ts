// The `query` validator: which fields a filter may use, and constraints on their values. A constrained field must be a
// top-level literal comparison: `{author: {$ne: null}}` or `{$or: [{author: …}]}` would otherwise slip past the check.
import { runChecks, type CheckContext, type CompiledFieldRules } from '../rules/constraints.js'
import { isPlainObject } from '@scraping-run/cloud/protocol'
import type { ParsedRequest } from '../types.js'
import type { Commit } from './data.js'

const LOGIC = new Set(['$and', '$or', '$nor'])

interface Use {
  field: string
  path: string
  nested: boolean
}

function collect(query: Record<string, unknown>, nested: boolean, uses: Use[], operators: string[]): void {
  for (const [key, value] of Object.entries(query)) {
    if (LOGIC.has(key) && Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) collect(item as Record<string, unknown>, true, uses, operators)
    } else if (key.startsWith('$')) {
      operators.push(key)
    } else {
      uses.push({ field: key.split('.')[0], path: key, nested })
    }
  }
}

function isOperatorObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'))
}

export async function checkQuery(
  rules: CompiledFieldRules,
  request: ParsedRequest,
  context: CheckContext,
  commits: Commit[],
): Promise<string | null> {
  const uses: Use[] = []
  const operators: string[] = []
  collect(request.query, false, uses, operators)
  // `$expr`, `$text` and friends can read any field, so a field list cannot vouch for them.
  if (operators.length > 0) return `the query operator ${operators[0]} cannot be checked against this rule's query fields`
  for (const use of uses) {
    if (!rules.allowed.has(use.field)) return `the query field "${use.field}" is not allowed`
    const field = rules.fields.get(use.field)
    if (field && (field.checks.length > 0 || field.required) && (use.nested || use.path !== use.field)) {
      return `the query field "${use.field}" is constrained, so it must be a top-level condition on the whole field`
    }
  }
  for (const field of rules.fields.values()) {
    const value = request.query[field.name]
    if (value === undefined) {
      if (field.hasDefault) {
        commits.push(() => {
          request.query[field.name] = structuredClone(field.default)
        })
      } else if (field.required) {
        return `the query must filter on ${field.name}`
      }
      continue
    }
    if (field.checks.length === 0) continue
    if (isOperatorObject(value)) return `the query field "${field.name}" must be compared with a literal value, not an operator`
    const error = await runChecks(field, value, '$eq', context)
    if (error) return error
  }
  return null
}
