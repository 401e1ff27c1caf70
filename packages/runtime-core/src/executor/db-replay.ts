import { command, type Db } from '@scraping-run/cloud'
import { RuntimeError } from '../errors.js'
import { bsonToData } from './mongo-bridge.js'

// A sandbox that shares no objects with the host records a query-builder chain (`collection('x').where(…).get()`) and
// sends it as data; it is replayed here on the real builder. Only these methods can be named, so a chain cannot reach
// `constructor` or anything else of a host object.
const BUILDER_METHODS = new Set([
  'collection', 'doc', 'where', 'orderBy', 'limit', 'skip', 'field', 'page', 'get', 'getOne', 'count', 'add', 'update', 'set', 'remove',
  'aggregate', 'addFields', 'group', 'lookup', 'match', 'project', 'replaceRoot', 'sample', 'sort', 'sortByCount', 'unwind', 'end',
])
const COMMAND_METHODS = new Set([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'all', 'exists', 'size', 'elemMatch', 'like', 'and', 'or', 'nor', 'not',
  'set', 'remove', 'inc', 'mul', 'max', 'min', 'rename', 'push', 'pull', 'pullAll', 'addToSet', 'pop', 'shift', 'unshift',
])
const MAX_STEPS = 64

type Step = [string, unknown[]]

function steps(value: unknown, allowed: Set<string>, what: string): Step[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_STEPS) throw new RuntimeError('BAD_REQUEST', `${what}: expected 1 to ${MAX_STEPS} steps`)
  return value.map((step) => {
    if (!Array.isArray(step) || typeof step[0] !== 'string' || !allowed.has(step[0]) || !Array.isArray(step[1])) {
      throw new RuntimeError('BAD_REQUEST', `${what}: ${JSON.stringify(Array.isArray(step) ? step[0] : step)} is not a query-builder method`)
    }
    return [step[0], step[1]] as Step
  })
}

/** Turns the markers a sandbox sends (`{$$command}`, `{$$objectId}`) back into builder values. */
function decode(db: Db, value: unknown, depth = 0): unknown {
  if (depth > 32 || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((each) => decode(db, each, depth + 1))
  if (ArrayBuffer.isView(value) || value instanceof Date) return value
  const record = value as Record<string, unknown>
  if ('$$objectId' in record) return record.$$objectId === null ? db.ObjectId() : db.ObjectId(String(record.$$objectId))
  if ('$$command' in record) {
    let current: any = command
    for (const [method, args] of steps(record.$$command, COMMAND_METHODS, 'db.command')) current = current[method](...(decode(db, args, depth + 1) as unknown[]))
    return current
  }
  const out: Record<string, unknown> = {}
  for (const [key, each] of Object.entries(record)) out[key] = decode(db, each, depth + 1)
  return out
}

export async function replayChain(db: Db, chain: unknown): Promise<unknown> {
  let current: any = db
  for (const [method, args] of steps(chain, BUILDER_METHODS, 'cloud.database()')) {
    if (typeof current?.[method] !== 'function') throw new RuntimeError('BAD_REQUEST', `cloud.database(): ${method}() is not available at this point of the chain`)
    current = current[method](...(decode(db, args) as unknown[]))
  }
  // ObjectIds come back as hex strings, as LAF's clients see them.
  return bsonToData(await current, (hex) => hex)
}
