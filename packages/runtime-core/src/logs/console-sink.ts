import type { LogSink } from '../types.js'

export interface ConsoleSinkOptions {
  /** Where lines go. Default: process.stdout. */
  stream?: { write(chunk: string): unknown }
  /** Also print invocations that logged nothing (one summary line). Default false. */
  summaries?: boolean
}

// The caller's mistake, not the function's: printed as warnings.
const CALLER_ERRORS = new Set(['FUNCTION_NOT_FOUND', 'METHOD_NOT_ALLOWED', 'INVALID_FUNCTION_NAME', 'BAD_REQUEST', 'FORBIDDEN', 'ABORTED'])

/** Prints each log line to stdout as `time LEVEL [function] message`. */
export function consoleSink(options: ConsoleSinkOptions = {}): LogSink {
  return {
    name: 'console',
    write(invocation) {
      const stream = options.stream ?? process.stdout
      let out = ''
      for (const log of invocation.logs) out += `${log.time} ${log.level.toUpperCase().padEnd(5)} [${log.functionName}] ${log.message}\n`
      if (invocation.error) {
        const level = CALLER_ERRORS.has(invocation.error.code) ? 'WARN ' : 'ERROR'
        out += `${new Date().toISOString()} ${level} [${invocation.functionName}] ${invocation.error.code}: ${invocation.error.stack ?? invocation.error.message}\n`
      }
      else if (options.summaries && out === '') out = `${new Date().toISOString()} INFO  [${invocation.functionName}] ok in ${invocation.durationMs.toFixed(1)} ms\n`
      if (out) stream.write(out)
    },
  }
}
