import { createHash } from 'node:crypto'
import { RuntimeError } from './errors.js'

const SEGMENT = /^[A-Za-z0-9_.-]+$/
export const MAX_NAME_LENGTH = 256

// Names seen valid recently: the check runs on every call.
const knownValid = new Set<string>()

/** Why `name` is not a valid function name, or `undefined` when it is. */
export function invalidNameReason(name: unknown): string | undefined {
  if (typeof name === 'string' && knownValid.has(name)) return undefined
  const reason = checkName(name)
  if (reason === undefined) {
    if (knownValid.size >= 5000) knownValid.clear()
    knownValid.add(name as string)
  }
  return reason
}

function checkName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'a function name must be a non-empty string'
  if (name.length > MAX_NAME_LENGTH) return `a function name has at most ${MAX_NAME_LENGTH} characters`
  for (const segment of name.split('/')) {
    if (!SEGMENT.test(segment)) return 'a function name is segments of [A-Za-z0-9_.-] joined by "/"'
    // "." and ".." would walk out of a directory store.
    if (segment === '.' || segment === '..') return 'a function name cannot contain "." or ".." segments'
  }
  return undefined
}

/** Throws `INVALID_FUNCTION_NAME` unless `name` is valid. */
export function assertFunctionName(name: unknown): asserts name is string {
  const reason = invalidNameReason(name)
  if (reason) throw new RuntimeError('INVALID_FUNCTION_NAME', `invalid function name ${JSON.stringify(String(name)).slice(0, 300)}: ${reason}`)
}

/** The content hash of a record: everything that changes what runs or how it is called. */
export function hashRecord(record: {
  source: string
  language?: string
  methods?: readonly string[]
  timeoutMs?: number
  description?: string
  inputSchema?: unknown
  schedule?: string
  timezone?: string
  title?: string
  annotations?: unknown
  outputSchema?: unknown
  cpuTimeMs?: number
}): string {
  // Later fields join the hash only when present, so records without them keep the hashes they had.
  const later = [record.schedule, record.timezone, record.title, record.annotations, record.outputSchema]
  const scheduled = later.some((value) => value !== undefined) ? later.map((value) => value ?? null) : []
  return createHash('sha256')
    .update(
      JSON.stringify([
        record.source,
        record.language ?? 'ts',
        record.methods ?? null,
        record.timeoutMs ?? null,
        record.description ?? null,
        record.inputSchema ?? null,
        ...scheduled,
        ...(record.cpuTimeMs !== undefined ? [{ cpuTimeMs: record.cpuTimeMs }] : []),
      ]),
    )
    .digest('hex')
    .slice(0, 32)
}
