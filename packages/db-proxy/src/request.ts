// Checks a request's shape before any policy runs: the action, the collection name, sizes, depth and keys, then decodes its
// EJSON. Everything here is refused for every policy (400 / 413), so a malformed request never reaches a rule or the driver.
import { DB_ACTIONS, type DbAction, type DbOrder } from '@scraping-run/cloud/protocol'
import { BSON } from 'mongodb'
import { DbProxyError } from './errors.js'
import type { DbProxyLimits, ParsedRequest, Permission } from './types.js'

const PERMISSION_OF: Record<DbAction, Permission> = {
  [DB_ACTIONS.query]: 'read',
  [DB_ACTIONS.add]: 'add',
  [DB_ACTIONS.update]: 'update',
  [DB_ACTIONS.remove]: 'remove',
  [DB_ACTIONS.count]: 'count',
  [DB_ACTIONS.aggregate]: 'aggregate',
}

/** Keys that would reach an object's prototype in naive JavaScript code. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

export const UPDATE_OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$push', '$pull', '$pullAll', '$pop', '$addToSet', '$rename', '$max', '$min',
  '$setOnInsert', '$currentDate', '$bit',
])

const bad = (message: string) => new DbProxyError('BAD_REQUEST', message)

/** Walks raw JSON once: refuses prototype keys and nesting deeper than the cap. */
export function checkShape(value: unknown, where: string, maxDepth: number, depth = 0): void {
  if (value === null || typeof value !== 'object') return
  if (depth >= maxDepth) throw bad(`${where} nests deeper than ${maxDepth} levels; flatten it (the limit is limits.maxDepth)`)
  if (Array.isArray(value)) {
    for (const item of value) checkShape(item, where, maxDepth, depth + 1)
    return
  }
  for (const key of Object.keys(value)) {
    checkPath(key, where)
    checkShape((value as Record<string, unknown>)[key], where, maxDepth, depth + 1)
  }
}

/** Refuses a key or a dotted path (`"__proto__.x"`, `"constructor.prototype.x"`) with a prototype segment. */
export function checkPath(path: string, where: string): void {
  const segment = FORBIDDEN_KEYS.has(path) ? path : path.includes('.') ? path.split('.').find((part) => FORBIDDEN_KEYS.has(part)) : undefined
  if (segment === undefined) return
  const shown = segment === path ? `the key "${path}"` : `the path "${path}" (its segment "${segment}")`
  throw bad(`${where} contains ${shown}, which is never accepted: keys __proto__, constructor and prototype are refused for every rule`)
}

/** Collection names a client may use: no system (`__*`, `system.*`) names, no `$` or NUL. */
export function checkCollectionName(name: unknown, trusted: boolean): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 120) {
    throw bad('collectionName must be a non-empty string of at most 120 characters')
  }
  if (name.includes('$') || name.includes('\0') || name.startsWith('system.')) throw bad(`collectionName "${name}" is not a valid collection name`)
  if (!trusted && name.startsWith('__')) {
    throw new DbProxyError('POLICY_DENIED', `collection "${name}" is a system collection (its name starts with "__"); clients can never reach it`)
  }
}

/** Keys that mark an Extended JSON value; a request without any can skip decoding (EJSON round-trips through a string). */
const EJSON_KEYS = new Set([
  '$oid', '$date', '$numberLong', '$numberInt', '$numberDouble', '$numberDecimal', '$binary', '$uuid', '$regularExpression',
  '$regex', '$options', '$timestamp', '$minKey', '$maxKey', '$code', '$scope', '$symbol', '$dbPointer', '$ref', '$id', '$undefined',
])

function hasEJSON(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 256) return false
  if (Array.isArray(value)) return value.some((item) => hasEJSON(item, depth + 1))
  for (const key of Object.keys(value)) {
    if (EJSON_KEYS.has(key) || hasEJSON((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

function decode(value: unknown, where: string): any {
  if (value === null || typeof value !== 'object' || !hasEJSON(value)) return value
  try {
    return BSON.EJSON.deserialize(value as BSON.Document, { relaxed: true })
  } catch (error) {
    throw bad(`${where} is not valid Extended JSON: ${(error as Error).message}`)
  }
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw bad(`${name} must be an integer >= ${min}`)
  if (value > max) throw bad(`${name} ${value} is over the maximum of ${max}; page through the results instead`)
  return value
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseOrder(order: unknown): DbOrder[] {
  if (order === undefined || order === null) return []
  if (!Array.isArray(order)) throw bad('order must be an array of {field, direction}')
  return order.map((item) => {
    if (!isPlain(item) || typeof item.field !== 'string' || item.field.length === 0 || item.field.startsWith('$')) {
      throw bad('each order entry needs a field name that does not start with "$"')
    }
    checkPath(item.field, 'order')
    if (item.direction !== 'asc' && item.direction !== 'desc') throw bad(`order direction must be "asc" or "desc"`)
    return { field: item.field, direction: item.direction }
  })
}

function parseProjection(projection: unknown): Record<string, 0 | 1> | undefined {
  if (projection === undefined || projection === null) return undefined
  if (!isPlain(projection)) throw bad('projection must be an object of field: 0 | 1')
  const out: Record<string, 0 | 1> = {}
  for (const [field, value] of Object.entries(projection)) {
    // Only inclusion flags: MongoDB also accepts expressions here, which would be a way around the operator checks.
    if (field.startsWith('$') || ![0, 1, true, false].includes(value as never)) throw bad(`projection.${field} must be 0 or 1`)
    out[field] = value ? 1 : 0
  }
  return out
}

function documentBytes(doc: unknown, limits: DbProxyLimits): void {
  if (!isPlain(doc)) return
  const size = BSON.calculateObjectSize(doc)
  if (size > limits.maxDocumentBytes) {
    throw new DbProxyError('PAYLOAD_TOO_LARGE', `a document of ${size} bytes is over the cap of ${limits.maxDocumentBytes} bytes (limits.maxDocumentBytes)`)
  }
}

/** Validates and decodes a request body. `trusted` (the direct transport) allows `__*` collections. */
export function parseRequest(body: unknown, limits: DbProxyLimits, trusted = false): ParsedRequest {
  if (!isPlain(body)) throw bad('the request body must be a JSON object like {"action": "database.queryDocument", "collectionName": "posts"}')
  const action = body.action as DbAction
  const permission = PERMISSION_OF[action]
  if (typeof action !== 'string' || !permission || !Object.prototype.hasOwnProperty.call(PERMISSION_OF, action)) {
    throw bad(`unknown action ${JSON.stringify(body.action)}; use one of ${Object.keys(PERMISSION_OF).join(', ')}`)
  }
  checkCollectionName(body.collectionName, trusted)
  for (const key of ['query', 'data', 'projection', 'order', 'stages'] as const) checkShape(body[key], key, limits.maxDepth)

  if (body.query !== undefined && body.query !== null && !isPlain(body.query)) throw bad('query must be an object')
  const request: ParsedRequest = {
    action,
    permission,
    collection: body.collectionName,
    query: decode(body.query ?? {}, 'query'),
    data: undefined,
    order: parseOrder(body.order),
    offset: integer(body.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: integer(body.limit, 'limit', limits.defaultLimit, 1, limits.maxLimit),
    projection: parseProjection(body.projection),
    count: body.count === true,
    multi: body.multi === true,
    merge: body.merge !== false,
    upsert: body.upsert === true,
    pipeline: [],
  }

  if (permission === 'add') {
    const data = decode(body.data, 'data')
    const docs = Array.isArray(data) ? data : [data]
    if (Array.isArray(data) && !request.multi) throw bad('adding an array of documents needs multi: true')
    if (docs.length === 0 || docs.length > limits.maxDocuments) throw bad(`add needs 1 to ${limits.maxDocuments} documents`)
    for (const doc of docs) {
      if (!isPlain(doc) || Object.keys(doc).length === 0) throw bad('add data must be a non-empty object (or an array of them with multi: true)')
      if (Object.keys(doc).some((key) => key.startsWith('$'))) throw bad('add data must not contain operators ($-prefixed keys)')
      documentBytes(doc, limits)
    }
    request.data = data
  } else if (permission === 'update') {
    const data = decode(body.data, 'data')
    if (!isPlain(data) || Object.keys(data).length === 0) throw bad('update data must be a non-empty object')
    const keys = Object.keys(data)
    if (request.merge) {
      const unknown = keys.find((key) => !UPDATE_OPERATORS.has(key))
      if (unknown) throw bad(`update data with merge: true must hold only update operators ($set, $inc, …); found "${unknown}"`)
      for (const key of keys) if (!isPlain(data[key])) throw bad(`update operator ${key} needs an object of fields`)
      // $rename's values are paths too: `{$rename: {a: "__proto__"}}` writes the prototype key.
      for (const [from, to] of Object.entries((data.$rename ?? {}) as Record<string, unknown>)) {
        if (typeof to !== 'string') throw bad(`$rename.${from} must be the new field name (a string)`)
        checkPath(to, 'data.$rename')
      }
    } else if (keys.some((key) => key.startsWith('$'))) {
      throw bad('a replacement (merge: false) must be a plain document without operators')
    }
    documentBytes(data, limits)
    request.data = data
  } else if (permission === 'aggregate') {
    const stages = body.stages
    if (!Array.isArray(stages) || stages.length === 0) throw bad('aggregate needs a non-empty stages array')
    request.pipeline = stages.map((stage, index) => {
      if (!isPlain(stage) || typeof stage.stageKey !== 'string' || !stage.stageKey.startsWith('$') || typeof stage.stageValue !== 'string') {
        throw bad(`stages[${index}] must be {stageKey: "$match", stageValue: "<EJSON string>"}`)
      }
      let raw: unknown
      try {
        raw = JSON.parse(stage.stageValue)
      } catch (error) {
        throw bad(`stages[${index}].stageValue is not JSON: ${(error as Error).message}`)
      }
      checkShape(raw, `stages[${index}]`, limits.maxDepth)
      return { [stage.stageKey]: decode(raw, `stages[${index}]`) }
    })
  }
  return request
}
