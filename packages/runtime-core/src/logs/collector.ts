import { formatWithOptions } from 'node:util'
import type { ConsoleBridge, LogLevel, LogRecord } from '../types.js'

export const DEFAULT_MAX_LOG_LINES = 1000
export const DEFAULT_MAX_LOG_BYTES = 256 * 1024

export interface LogCollector {
  readonly records: LogRecord[]
  readonly bridge: ConsoleBridge
  /** The invocation is over: later output (a timer that outlived it) goes to the host's console, tagged. */
  close(): void
}

/**
 * Collects one invocation's console output. Capped (lines and bytes), then one "truncated" record, so a function that
 * logs in a loop cannot exhaust the host's memory.
 */
export function createLogCollector(options: {
  requestId: string
  functionName: string
  maxLines?: number
  maxBytes?: number
  remapStack?: (text: string) => string
  /** Also print each line to the host's stdout/stderr as it happens, tagged with the function's name. */
  echo?: boolean
  /** Sees each record as it is kept (an entry point that forwards logs live, e.g. MCP log notifications). */
  onRecord?: (record: LogRecord) => void
}): LogCollector {
  const maxLines = options.maxLines ?? DEFAULT_MAX_LOG_LINES
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES
  const records: LogRecord[] = []
  let bytes = 0
  let truncated = false
  let closed = false
  const bridge: ConsoleBridge = (level, args) => {
    if (truncated && !closed) return
    if (closed) return printLate(level, args, options.functionName, options.requestId, options.remapStack)
    const message = formatLog(args, options.remapStack)
    if (options.echo) hostPrint(level, `[${options.functionName}] ${message}`)
    const size = Buffer.byteLength(message)
    if (records.length >= maxLines || bytes + size > maxBytes) {
      truncated = true
      keep(record('warn', `log truncated: this invocation wrote more than ${maxLines} lines or ${Math.round(maxBytes / 1024)} KB`))
      return
    }
    bytes += size
    keep(record(level, message))
  }
  function keep(entry: LogRecord): void {
    records.push(entry)
    if (!options.onRecord) return
    try {
      options.onRecord(entry)
    } catch (error) {
      // The entry point's listener failing must not fail the function's console.log.
      hostPrint('warn', `[scraping-run] an onLog listener threw: ${(error as Error)?.message ?? String(error)}`)
    }
  }
  function record(level: LogLevel, message: string): LogRecord {
    return { level, time: new Date().toISOString(), message, requestId: options.requestId, functionName: options.functionName }
  }
  return {
    records,
    bridge,
    close() {
      closed = true
    },
  }
}

function formatLog(args: unknown[], remapStack: ((text: string) => string) | undefined): string {
  let message: string
  try {
    message = formatWithOptions({ depth: 4, colors: false }, ...args)
  } catch (error) {
    message = `[unprintable log arguments: ${(error as Error).message}]`
  }
  return remapStack && message.includes('    at ') ? remapStack(message) : message
}

/** A line a function wrote after its call ended (a timer): the host's console, tagged with the function and request. */
export function printLate(level: LogLevel, args: unknown[], functionName: string, requestId: string, remapStack?: (text: string) => string): void {
  hostPrint(level, `[${functionName}] (after the call ended, request ${requestId}) ${formatLog(args, remapStack)}`)
}

function hostPrint(level: LogLevel, line: string): void {
  if (level === 'error' || level === 'warn') console.error(line)
  else console.log(line)
}
