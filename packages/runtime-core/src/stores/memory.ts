import { assertFunctionName } from '../names.js'
import type { FunctionRecord, FunctionRecordInput, FunctionStore } from '../types.js'
import { createListeners } from './emitter.js'
import { toRecord } from './record.js'

export interface MemoryStore extends FunctionStore {
  /** Adds or replaces a function; returns the stored record (with its hash). */
  set(record: FunctionRecordInput): FunctionRecord
  /** Removes a function; true when it existed. */
  delete(name: string): boolean
}

/** A store held in memory: tests, and hosts that load functions from elsewhere. */
export function memoryStore(records: FunctionRecordInput[] = []): MemoryStore {
  const functions = new Map<string, FunctionRecord>()
  for (const input of records) {
    const record = toRecord(input)
    functions.set(record.name, record)
  }
  const listeners = createListeners()
  return {
    async list() {
      return [...functions.values()].map((record) => ({ ...record }))
    },
    async get(name) {
      assertFunctionName(name)
      const record = functions.get(name)
      return record ? { ...record } : undefined
    },
    watch: (listener) => listeners.add(listener),
    set(input) {
      const record = toRecord(input)
      const previous = functions.get(record.name)
      functions.set(record.name, record)
      if (previous?.hash !== record.hash) listeners.emit({ type: 'set', name: record.name, hash: record.hash })
      return { ...record }
    },
    delete(name) {
      assertFunctionName(name)
      const existed = functions.delete(name)
      if (existed) listeners.emit({ type: 'delete', name })
      return existed
    },
    close() {
      listeners.clear()
    },
  }
}
