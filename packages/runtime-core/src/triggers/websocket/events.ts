import type { WebSocketTrigger } from '@scraping-run/cloud'
import type { InvokeError } from '../../errors.js'
import type { Executor } from '../../types.js'
import type { Connection, Connections } from './connections.js'
import { encodeMessage } from './decode.js'
import { CLOSE, type Gate } from './limits.js'

export const WEBSOCKET_FUNCTION = '__websocket__'

export interface EventOptions {
  executor: Executor
  connections: Connections
  maxPending: number
  /** Bounds the events of all connections running at once. */
  gate: Gate
  /** Put stacks in the error replies. */
  debug: boolean
  /** Whether the `close` event can still run (not once the executor itself is closing). */
  open(): boolean
}

/**
 * Runs one event of a connection through `executor.invoke` (interceptors included), after the connection's earlier
 * events: a function sees `connection`, then its messages in order, then `close`. Past `maxPending` queued events the
 * socket is no longer read, so a client that sends faster than the function answers is slowed down by TCP.
 */
export function queueEvent(options: EventOptions, connection: Connection, event: WebSocketTrigger['event'], body: unknown): void {
  const { ws } = connection
  connection.pending++
  if (connection.pending >= options.maxPending && !ws.isPaused && ws.readyState === 1) ws.pause()
  connection.tail = connection.tail
    .then(() => (event === 'close' && !options.open() ? undefined : runEvent(options, connection, event, body)))
    .catch((error) => console.error(`[scraping-run] the WebSocket ${event} event failed:`, error))
    .finally(() => {
      connection.pending--
      if (ws.isPaused && connection.pending < options.maxPending / 2) ws.resume()
    })
}

async function runEvent(options: EventOptions, connection: Connection, event: WebSocketTrigger['event'], body: unknown): Promise<void> {
  const wait = options.gate.enter()
  if (wait) await wait
  let result: Awaited<ReturnType<Executor['invoke']>>
  try {
    result = await options.executor.invoke(WEBSOCKET_FUNCTION, {
      body,
      query: connection.query,
      headers: connection.headers,
      // LAF's names, so a migrated __websocket__ that checks ctx.method keeps working.
      method: `WebSocket:${event}`,
      path: connection.path,
      user: connection.user,
      trigger: { kind: 'websocket', event, connectionId: connection.id },
    })
  } finally {
    options.gate.leave()
  }
  if (event === 'close') return
  if (result.error) return answerError(options, connection, event, result.error, result.requestId)
  if (result.data === undefined) return
  let message: ReturnType<typeof encodeMessage>
  try {
    message = encodeMessage(result.data)
  } catch (error) {
    return answerError(options, connection, event, { code: 'INVALID_RESULT', message: (error as Error).message }, result.requestId)
  }
  options.connections.deliver(connection, message)
}

/**
 * A failed `message` event answers the sender with the HTTP entry point's error shape; a failed `connection` event (an
 * interceptor refused it, the function threw) ends the connection: 1008 when refused, 1011 otherwise.
 */
function answerError(options: EventOptions, connection: Connection, event: WebSocketTrigger['event'], error: InvokeError, requestId: string): void {
  if (event === 'message') {
    const reply: Record<string, unknown> = { error: error.message, code: error.code, requestId }
    if (options.debug && error.stack) reply.stack = error.stack
    options.connections.deliver(connection, encodeMessage(reply))
    return
  }
  const code = error.code === 'FORBIDDEN' || error.code === 'UNAUTHORIZED' ? CLOSE.policy : CLOSE.internal
  connection.cause ??= { code: 'FUNCTION_ERROR', message: error.message, sent: code }
  if (connection.ws.readyState === 1) connection.ws.close(code, error.code.slice(0, 100))
}
