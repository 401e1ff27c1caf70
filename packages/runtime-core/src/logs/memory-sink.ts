import type { InvocationLog, LogSink } from '../types.js'
import { matchLogs, type LogQuery } from './query.js'

export interface MemorySink extends LogSink {
  readonly name: 'memory'
  readonly records: InvocationLog[]
  /** The same query as `mongoSink`'s, over the records kept. */
  queryLogs(query?: LogQuery): Promise<InvocationLog[]>
  clear(): void
}

/** Keeps invocation records in memory (tests, dashboards); only the newest `max` (default 1000). */
export function memorySink(options: { max?: number } = {}): MemorySink {
  const max = options.max ?? 1000
  const records: InvocationLog[] = []
  return {
    name: 'memory',
    records,
    write(invocation) {
      records.push(invocation)
      if (records.length > max) records.splice(0, records.length - max)
    },
    async queryLogs(query) {
      return matchLogs(records, query)
    },
    clear() {
      records.length = 0
    },
  }
}
