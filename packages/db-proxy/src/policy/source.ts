// Where policies come from: a fixed object, an async function, or a MongoDB collection (default `__policies__`). Dynamic
// sources are cached for 5 seconds; compiled policies are kept per version (their JSON), so a rule is parsed once.
import type { Collection, Db } from 'mongodb'
import { DbProxyError } from '../errors.js'
import type { CustomValidator, Policy } from '../types.js'
import { compilePolicy, type CompiledPolicy } from './compile.js'

export type PolicySource = Record<string, Policy> | ((name: string) => Policy | null | undefined | Promise<Policy | null | undefined>) | Collection

export const DEFAULT_POLICY_COLLECTION = '__policies__'
const CACHE_MS = 5_000
const MAX_VERSIONS = 256
const MAX_CACHED = 1000

function isCollection(value: unknown): value is Collection {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Collection).findOne === 'function' &&
    typeof (value as Collection).collectionName === 'string'
  )
}

export interface PolicyStore {
  /** The compiled policy, or null when there is none by that name. */
  get(name: string, db: Db): Promise<CompiledPolicy | null>
  invalidate(name?: string): void
}

export function createPolicyStore(source: PolicySource | undefined, validators: ReadonlyMap<string, CustomValidator>, now = Date.now): PolicyStore {
  const versions = new Map<string, CompiledPolicy>()
  const cache = new Map<string, { expires: number; value: Promise<CompiledPolicy | null> }>()

  function compileVersion(name: string, rules: unknown): CompiledPolicy {
    let parsed = rules
    if (typeof rules === 'string') {
      try {
        parsed = JSON.parse(rules)
      } catch (error) {
        throw new DbProxyError('INVALID_POLICY', `policy "${name}" is a string but not JSON: ${(error as Error).message}`)
      }
    }
    const key = `${name}\0${JSON.stringify(parsed)}`
    let compiled = versions.get(key)
    if (!compiled) {
      compiled = compilePolicy(parsed, validators, name)
      if (versions.size >= MAX_VERSIONS) versions.delete(versions.keys().next().value as string)
      versions.set(key, compiled)
    }
    return compiled
  }

  // A fixed object is compiled on first use of each name; a mistake answers INVALID_POLICY on every request for that
  // policy (check policies at startup with compilePolicy()).
  const fixed = new Map<string, CompiledPolicy | DbProxyError>()
  const isFixed = source !== undefined && typeof source === 'object' && !isCollection(source)
  function fixedPolicy(name: string): CompiledPolicy | null {
    if (!Object.prototype.hasOwnProperty.call(source, name)) return null
    let entry = fixed.get(name)
    if (!entry) {
      try {
        entry = compilePolicy((source as Record<string, Policy>)[name], validators, name)
      } catch (error) {
        entry = DbProxyError.is(error) ? error : new DbProxyError('INVALID_POLICY', `policy "${name}": ${String(error)}`)
      }
      fixed.set(name, entry)
    }
    if (entry instanceof Error) throw entry
    return entry
  }

  async function load(name: string, db: Db): Promise<CompiledPolicy | null> {
    if (typeof source === 'function') {
      const policy = await source(name)
      return policy === null || policy === undefined ? null : compileVersion(name, policy)
    }
    const collection = isCollection(source) ? db.collection(source.collectionName) : db.collection(DEFAULT_POLICY_COLLECTION)
    const doc = await collection.findOne({ name })
    if (!doc) return null
    const rules = doc.rules ?? doc.collections
    if (rules === undefined) throw new DbProxyError('INVALID_POLICY', `policy "${name}" in ${collection.collectionName} has no "rules" field`)
    return compileVersion(name, rules)
  }

  return {
    async get(name, db) {
      if (isFixed) return fixedPolicy(name)
      const key = `${db.databaseName}\0${name}`
      const hit = cache.get(key)
      if (hit && hit.expires > now()) return hit.value
      const value = load(name, db)
      // Requests for made-up names must not grow the cache without bound.
      if (cache.size >= MAX_CACHED) {
        const time = now()
        for (const [cached, entry] of cache) if (entry.expires <= time) cache.delete(cached)
        if (cache.size >= MAX_CACHED) cache.clear()
      }
      cache.set(key, { expires: now() + CACHE_MS, value })
      // A failed load is not cached: the next request tries again.
      value.catch(() => cache.delete(key))
      return value
    },
    invalidate(name) {
      if (name === undefined) cache.clear()
      else for (const key of cache.keys()) if (key.endsWith(`\0${name}`)) cache.delete(key)
    },
  }
}
