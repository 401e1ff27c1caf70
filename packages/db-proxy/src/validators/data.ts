// The `data` validator (and `$schema`): which fields a write may carry and what values they may take. An update is checked
// under every operator it uses, not only `$set`: a field's value constraints are enforced wherever the request could change
// that field, and refused where the resulting value cannot be known from the request (e.g. `$inc` on a `number` field).
import { runChecks, type CheckContext, type CompiledFieldRules } from '../rules/constraints.js'
import { isPlainObject } from '@scraping-run/cloud/protocol'
import type { ParsedRequest } from '../types.js'

/** Operators whose operand is the field's new value. */
const SETTERS = new Set(['$set', '$setOnInsert', '$max', '$min'])

export type Commit = () => void

const top = (path: string) => path.split('.')[0]

function checkAllowed(rules: CompiledFieldRules, field: string): string | null {
  return rules.allowed.has(field) ? null : `the field "${field}" is not allowed`
}

/** A whole document (add, or update with merge: false). Defaults are returned as commits, applied only if the rule passes. */
async function checkDocument(
  rules: CompiledFieldRules,
  doc: Record<string, unknown>,
  context: CheckContext,
  commits: Commit[],
): Promise<string | null> {
  for (const field of Object.keys(doc)) {
    // `_id` is the document's identity: a client may choose it on add; an insert can never overwrite another document.
    if (field === '_id') continue
    const error = checkAllowed(rules, field)
    if (error) return error
  }
  for (const field of rules.fields.values()) {
    const value = doc[field.name]
    if (value === undefined) {
      if (field.hasDefault) {
        commits.push(() => {
          doc[field.name] = structuredClone(field.default)
        })
        continue
      }
      if (field.required) return `${field.name} is required`
      continue
    }
    const error = await runChecks(field, value, '$set', context)
    if (error) return error
  }
  return null
}

/** Literal equality fields of a filter: what an upsert copies into the document it inserts. */
function upsertFields(query: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(query).filter(([key, value]) => {
    if (key.startsWith('$')) return false
    if (typeof value !== 'object' || value === null) return true
    return !(isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$')))
  })
}

async function checkUpdate(rules: CompiledFieldRules, request: ParsedRequest, context: CheckContext): Promise<string | null> {
  const entries: Array<{ op: string; path: string; value: unknown }> = []
  for (const [op, fields] of Object.entries(request.data as Record<string, Record<string, unknown>>)) {
    for (const [path, value] of Object.entries(fields)) {
      entries.push({ op, path, value })
      // A rename writes the target field with a value the request does not show.
      if (op === '$rename') entries.push({ op: '$renameTo', path: String(value), value: undefined })
    }
  }
  if (request.upsert) for (const [path, value] of upsertFields(request.query)) entries.push({ op: '$setOnInsert', path, value })

  for (const { op, path, value } of entries) {
    const name = top(path)
    if (name === '_id' && op === '$setOnInsert') continue
    const error = checkAllowed(rules, name)
    if (error) return error
    const field = rules.fields.get(name)
    if (!field) continue
    if ((op === '$unset' || op === '$rename') && field.required) return `${name} is required and cannot be removed`
    if (field.checks.length === 0) continue
    if (SETTERS.has(op) && path === name) {
      const failed = await runChecks(field, value, op, context)
      if (failed) return failed
      continue
    }
    if (!field.onlyConditions || path !== name || op === '$renameTo') {
      const shown = op === '$renameTo' ? '$rename' : op
      return `${path} has constraints that ${shown}${path === name ? '' : ' on a sub-field'} cannot be checked against; set the whole field with $set, or express the rule as a condition (it sees op and value)`
    }
    const failed = await runChecks(field, value, op, context)
    if (failed) return failed
  }

  if (request.upsert) {
    const present = new Set(entries.filter((entry) => SETTERS.has(entry.op)).map((entry) => top(entry.path)))
    for (const field of rules.fields.values()) {
      if (field.required && !present.has(field.name)) return `${field.name} is required (this update may insert a document)`
    }
  }
  return null
}

/** Runs `data` (or `$schema`) for an add or an update; other actions carry no data and pass. */
export async function checkData(
  rules: CompiledFieldRules,
  request: ParsedRequest,
  context: CheckContext,
  commits: Commit[],
): Promise<string | null> {
  if (request.permission === 'add') {
    const docs = Array.isArray(request.data) ? request.data : [request.data]
    for (const doc of docs) {
      const error = await checkDocument(rules, doc, context, commits)
      if (error) return error
    }
    return null
  }
  if (request.permission === 'update') {
    if (!request.merge) return checkDocument(rules, request.data, context, commits)
    return checkUpdate(rules, request, context)
  }
  return null
}
