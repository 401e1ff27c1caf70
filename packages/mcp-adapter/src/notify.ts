import type { McpInvokeInit } from './types.js'

// MCP log levels, least to most severe (RFC 5424 order, as the spec gives them).
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const
export type McpLogLevel = (typeof LEVELS)[number]
const SEVERITY = new Map<string, number>(LEVELS.map((level, index) => [level, index]))

/** Where a client asks for a level per request under the 2026-07-28 revision (`_meta` of the request). */
const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel'

/** Until a client sets a level, `info` and above are sent (debug output is opt-in). */
export const DEFAULT_LOG_LEVEL: McpLogLevel = 'info'

// console.* levels as runtime-core reports them, in MCP's vocabulary.
const FROM_CONSOLE: Record<string, McpLogLevel> = { debug: 'debug', info: 'info', log: 'info', warn: 'warning', error: 'error' }

export function isLogLevel(value: unknown): value is McpLogLevel {
  return typeof value === 'string' && SEVERITY.has(value)
}

interface Notification {
  method: string
  params: Record<string, unknown>
}

export interface CallNotifier {
  /** The hooks to pass to `executor.invoke`. */
  hooks: Pick<McpInvokeInit, 'onLog' | 'onProgress'>
  /** Resolves once every notification sent so far has been handed to the transport (so they precede the result). */
  flush(): Promise<void>
}

/**
 * Turns a call's console lines into `notifications/message` (at or above the level in force) and its `ctx.progress`
 * reports into `notifications/progress` (only when the client sent a `progressToken`; progress must increase, so a
 * report that does not is dropped). Sending never fails the call: a client that went away just misses them.
 */
export function callNotifier(
  meta: Record<string, unknown> | undefined,
  sessionLevel: McpLogLevel | undefined,
  logger: string,
  notify: (notification: Notification) => Promise<void>,
): CallNotifier {
  const requested = meta?.[LOG_LEVEL_META_KEY]
  const threshold = SEVERITY.get(isLogLevel(requested) ? requested : (sessionLevel ?? DEFAULT_LOG_LEVEL))!
  const token = meta?.progressToken
  let sent: Promise<void> = Promise.resolve()
  let last = -Infinity
  // Chained, so notifications leave in the order the function produced them.
  const send = (notification: Notification) => {
    sent = sent.then(() => notify(notification)).catch(() => undefined)
  }
  const hooks: CallNotifier['hooks'] = {
    onLog(record) {
      const level = FROM_CONSOLE[record.level] ?? 'info'
      if (SEVERITY.get(level)! < threshold) return
      send({ method: 'notifications/message', params: { level, logger, data: record.message } })
    },
  }
  if (typeof token === 'string' || typeof token === 'number') {
    hooks.onProgress = ({ progress, total, message }) => {
      if (typeof progress !== 'number' || !Number.isFinite(progress) || progress <= last) return
      last = progress
      const params: Record<string, unknown> = { progressToken: token, progress }
      if (typeof total === 'number' && Number.isFinite(total)) params.total = total
      if (typeof message === 'string') params.message = message
      send({ method: 'notifications/progress', params })
    }
  }
  return { hooks, flush: () => sent }
}
