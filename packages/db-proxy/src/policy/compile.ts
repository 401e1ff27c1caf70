// Turns a policy (JSON) into checks, once per policy version: CEL conditions parsed, constraints validated, unknown
// validators and actions reported with the path to fix. A policy that does not compile is never half-applied.
import { compileCondition, runCondition, type CompiledCondition } from '../cel.js'
import { DbProxyError } from '../errors.js'
import { compileFieldRules, type CheckContext, type CompiledFieldRules } from '../rules/constraints.js'
import type { CustomValidator, Permission, ParsedRequest, ValidatorContext } from '../types.js'
import { checkData, type Commit } from '../validators/data.js'
import { checkQuery } from '../validators/query.js'

export const PERMISSIONS: readonly Permission[] = ['read', 'add', 'update', 'remove', 'count', 'aggregate']
const BUILT_IN = new Set(['condition', 'cond', 'data', 'query', 'multi', 'allow'])

export interface RuleRun {
  request: ParsedRequest
  check: CheckContext
  validator: ValidatorContext
  commits: Commit[]
}

export interface Check {
  validator: string
  run(run: RuleRun): Promise<string | null> | string | null
}

export interface CompiledRule {
  label: string
  allow: ReadonlySet<string>
  checks: Check[]
}

export interface CompiledPolicy {
  collections: Map<string, Map<Permission, CompiledRule[]>>
  /** Collections whose `read` rule is plainly `true`: joins into them need no `allow`. */
  publicCollections: Set<string>
}

const invalid = (message: string) => new DbProxyError('INVALID_POLICY', message)

function conditionCheck(config: unknown, where: string): Check {
  if (config === true || config === false) {
    return { validator: 'condition', run: () => (config ? null : 'this rule is false') }
  }
  const condition: CompiledCondition = compileCondition(config, where)
  return { validator: 'condition', run: ({ check }) => runCondition(condition, check.cel()) }
}

function multiCheck(config: unknown, where: string): Check {
  let condition: CompiledCondition | undefined
  if (typeof config === 'string') condition = compileCondition(config, where)
  else if (config !== undefined && typeof config !== 'boolean') throw invalid(`${where} must be true, false or a CEL condition`)
  return {
    validator: 'multi',
    run({ request, check }) {
      if (!request.multi) return null
      // Reads may return many documents unless the rule says otherwise; writes touch one unless it allows more.
      const allowed = condition ? runCondition(condition, check.cel()) === null : config === undefined ? request.permission === 'read' : config === true
      return allowed ? null : `${request.permission} with multi: true is not allowed by this rule (add multi: true to allow it)`
    },
  }
}

function fieldCheck(name: 'data' | 'query' | 'schema', rules: CompiledFieldRules): Check {
  return {
    validator: name,
    run: ({ request, check, commits }) => (name === 'query' ? checkQuery(rules, request, check, commits) : checkData(rules, request, check, commits)),
  }
}

function customCheck(name: string, handler: CustomValidator, config: unknown): Check {
  return {
    validator: name,
    async run({ validator }) {
      try {
        const result = await handler(config, validator)
        if (typeof result === 'string' && result.length > 0) return result
        return result === false ? `validator ${name} refused` : null
      } catch (error) {
        return `validator ${name} threw: ${(error as Error)?.message ?? String(error)}`
      }
    },
  }
}

function compileRule(raw: unknown, label: string, schema: CompiledFieldRules | undefined, validators: ReadonlyMap<string, CustomValidator>): CompiledRule {
  if (typeof raw === 'boolean' || typeof raw === 'string') {
    const checks = [conditionCheck(raw, label)]
    if (schema) checks.push(fieldCheck('schema', schema))
    return { label, allow: new Set(), checks: [multiCheck(undefined, label), ...checks] }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(`${label} must be true, false, a CEL condition string, a rule object or an array of those`)
  }
  const rule = raw as Record<string, unknown>
  const checks: Check[] = []
  let allow: Set<string> = new Set()
  if (rule.allow !== undefined) {
    if (!Array.isArray(rule.allow) || rule.allow.some((item) => typeof item !== 'string')) {
      throw invalid(`${label}.allow must be a list of operators, e.g. ["$lookup:users"]`)
    }
    allow = new Set(rule.allow as string[])
  }
  checks.push(multiCheck(rule.multi, `${label}.multi`))
  if (rule.condition !== undefined) checks.push(conditionCheck(rule.condition, `${label}.condition`))
  if (rule.cond !== undefined) checks.push(conditionCheck(rule.cond, `${label}.cond`))
  if (rule.query !== undefined) checks.push(fieldCheck('query', compileFieldRules(rule.query, `${label}.query`)))
  if (rule.data !== undefined) checks.push(fieldCheck('data', compileFieldRules(rule.data, `${label}.data`)))
  if (schema) checks.push(fieldCheck('schema', schema))
  for (const [name, config] of Object.entries(rule)) {
    if (BUILT_IN.has(name)) continue
    const handler = validators.get(name)
    if (!handler) {
      throw invalid(`${label}: unknown validator "${name}"; built-ins are condition, data, query, multi and allow, and custom ones are added with proxy.register("${name}", fn)`)
    }
    checks.push(customCheck(name, handler, config))
  }
  return { label, allow, checks }
}

/** Compiles a policy object; throws `INVALID_POLICY` naming the first thing to fix. */
export function compilePolicy(policy: unknown, validators: ReadonlyMap<string, CustomValidator> = new Map(), name = 'policy'): CompiledPolicy {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw invalid(`${name} must be an object mapping collection names to their rules, e.g. {"posts": {"read": true}}`)
  }
  const compiled: CompiledPolicy = { collections: new Map(), publicCollections: new Set() }
  for (const [collection, rawRules] of Object.entries(policy as Record<string, unknown>)) {
    if (collection.startsWith('__')) throw invalid(`${name}.${collection}: collections whose name starts with "__" are system collections and cannot be exposed`)
    if (typeof rawRules !== 'object' || rawRules === null || Array.isArray(rawRules)) {
      throw invalid(`${name}.${collection} must be an object like {"read": true, "add": "has(auth.uid)"}`)
    }
    const rules = rawRules as Record<string, unknown>
    const schema = rules.$schema === undefined ? undefined : compileFieldRules(rules.$schema, `${name}.${collection}.$schema`)
    if (schema && Array.isArray(rules.$schema)) throw invalid(`${name}.${collection}.$schema must be an object of field constraints`)
    const byPermission = new Map<Permission, CompiledRule[]>()
    for (const [key, value] of Object.entries(rules)) {
      // LAF v1 wrote permissions with a leading dot (".read").
      const permission = (key.startsWith('.') ? key.slice(1) : key) as Permission
      // LAF policies may carry `watch` rules; there is no watch action here, so they are accepted and unused.
      if (key === '$schema' || (permission as string) === 'watch') continue
      if (!PERMISSIONS.includes(permission)) {
        throw invalid(`${name}.${collection}: unknown action "${key}"; use ${PERMISSIONS.join(', ')} or $schema`)
      }
      const list = Array.isArray(value) ? value : [value]
      const withSchema = permission === 'add' || permission === 'update' ? schema : undefined
      byPermission.set(
        permission,
        list.map((raw, index) => compileRule(raw, `${name}.${collection}.${permission}[${index}]`, withSchema, validators)),
      )
      if (permission === 'read' && value === true) compiled.publicCollections.add(collection)
    }
    compiled.collections.set(collection, byPermission)
  }
  return compiled
}
