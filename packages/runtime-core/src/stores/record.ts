import { RuntimeError } from '../errors.js'
import { assertFunctionName, hashRecord } from '../names.js'
import type { FunctionRecord, FunctionRecordInput } from '../types.js'

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Validates a record and returns a copy with its hash. */
export function toRecord(input: FunctionRecordInput): FunctionRecord {
  if (typeof input !== 'object' || input === null) throw new RuntimeError('BAD_REQUEST', 'a function record must be an object')
  assertFunctionName(input.name)
  if (typeof input.source !== 'string') throw new RuntimeError('BAD_REQUEST', `function ${input.name}: source must be a string`)
  if (input.language !== undefined && input.language !== 'ts' && input.language !== 'js') {
    throw new RuntimeError('BAD_REQUEST', `function ${input.name}: language must be "ts" or "js"`)
  }
  const record: FunctionRecord = { name: input.name, source: input.source, hash: '' }
  if (input.language) record.language = input.language
  if (input.methods) record.methods = input.methods.map((method) => String(method).toUpperCase())
  if (input.description !== undefined) record.description = input.description
  if (input.inputSchema !== undefined) record.inputSchema = input.inputSchema
  if (input.timeoutMs !== undefined) record.timeoutMs = input.timeoutMs
  if (input.cpuTimeMs !== undefined) {
    if (!(typeof input.cpuTimeMs === 'number' && input.cpuTimeMs > 0)) throw new RuntimeError('BAD_REQUEST', `function ${input.name}: cpuTimeMs must be a positive number of milliseconds`)
    record.cpuTimeMs = input.cpuTimeMs
  }
  if (typeof input.schedule === 'string') record.schedule = input.schedule
  if (typeof input.timezone === 'string') record.timezone = input.timezone
  if (typeof input.title === 'string') record.title = input.title
  if (isObject(input.annotations)) record.annotations = input.annotations
  if (isObject(input.outputSchema)) record.outputSchema = input.outputSchema
  record.hash = hashRecord(record)
  return record
}
