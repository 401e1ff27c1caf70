import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { CloudSockets } from '@scraping-run/cloud'
import { WebSocketServer, type WebSocket } from 'ws'
import { RuntimeError } from '../../errors.js'
import { socketHubOf, SocketHub } from '../../executor/sockets.js'
import { createSocketsFacade } from '../../sandbox/sockets-facade.js'
import type { Executor } from '../../types.js'
import { tokenVerifier } from '../token.js'
import { Connections, type Connection } from './connections.js'
import { decodeMessage } from './decode.js'
import { queueEvent, type EventOptions } from './events.js'
import { CLOSE, Gate, readLimits } from './limits.js'
import { admit, refuse, splitUrl, type Admitted, type WebSocketAuthenticate } from './upgrade.js'

export type { WebSocketAuthenticate } from './upgrade.js'

export interface WebSocketOptions {
  /** The path upgrades are accepted on. Default `'/ws'`; other paths are left to other `upgrade` listeners. */
  path?: string
  /** Decides every upgrade before it happens (see {@link WebSocketAuthenticate}). Without it, anyone may connect. */
  authenticate?: WebSocketAuthenticate
  /** Verifies Bearer tokens. Default: the executor's secret. */
  jwtSecret?: string
  /** Largest message in bytes; a bigger one closes that connection with 1009. Default 1 MiB. */
  maxPayload?: number
  /** A client more than this many bytes behind on what it was sent is dropped. Default 4 MiB. */
  maxBufferedBytes?: number
  /** Ping interval; a connection that has not answered the previous ping is dropped. Default 30000; 0 turns it off. */
  heartbeatMs?: number
  /** Events of one connection waiting for the function before its socket stops being read. Default 64. */
  maxPending?: number
  /** Events (of all connections) running at once; the others wait their turn. Default 32. */
  maxConcurrency?: number
  /** Open connections past which upgrades are refused with 503. Default: no limit. */
  maxConnections?: number
  /** Put stacks in the error replies of failed `message` events. Never in production. */
  debug?: boolean
}

/** What `attachWebSocket` returns. */
export interface WebSocketHandle {
  readonly path: string
  /** This entry point's live connections (`cloud.sockets` sees those of every entry point of the executor). */
  readonly sockets: CloudSockets
  /** Stops accepting upgrades, closes every connection (1001) and waits for their `close` events. */
  close(): Promise<void>
}

/**
 * WebSocket functions: upgrades on `path` of a Node HTTP server become connections whose `connection`, `message` and
 * `close` events run the `__websocket__` function through `executor.invoke` (interceptors apply). A value it returns
 * from `message` (or `connection`) is sent to that client; `cloud.sockets` reaches every connection.
 */
export function attachWebSocket(httpServer: Server, executor: Executor, options: WebSocketOptions = {}): WebSocketHandle {
  if (!httpServer || typeof httpServer.on !== 'function') throw new RuntimeError('BAD_REQUEST', 'attachWebSocket expects a Node http.Server (what app.listen() returns)')
  const hub = executor ? socketHubOf(executor) : undefined
  if (!hub) throw new RuntimeError('BAD_REQUEST', 'attachWebSocket expects the executor createExecutor returned')
  const path = splitUrl(options.path ?? '/ws')?.path
  if (!path || !path.startsWith('/')) throw new RuntimeError('BAD_REQUEST', `attachWebSocket: path must start with "/" (got ${JSON.stringify(options.path)})`)
  const limits = readLimits(options)
  const verify = tokenVerifier(executor, options.jwtSecret)
  const connections = new Connections(limits)
  const detach = hub.attach(connections)
  const server = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload, clientTracking: false, perMessageDeflate: false })
  let closing: Promise<void> | undefined
  const events: EventOptions = {
    executor,
    connections,
    maxPending: limits.maxPending,
    gate: new Gate(limits.maxConcurrency),
    debug: options.debug === true,
    open: () => !hub.closed,
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = splitUrl(req.url)
    if (!url || url.path !== path) {
      // Another upgrade listener's path; when there is none, nobody would ever answer this request.
      if (httpServer.listenerCount('upgrade') === 1) refuse(socket, 404, 'NOT_FOUND', 'no WebSocket endpoint at this path')
      return
    }
    socket.on('error', () => socket.destroy())
    if (closing) return refuse(socket, 503, 'EXECUTOR_CLOSED', 'the WebSocket endpoint is closed')
    if (connections.size >= limits.maxConnections) return refuse(socket, 503, 'OVERLOADED', 'too many WebSocket connections')
    admit(req, url, verify, options.authenticate)
      .then((admission) => {
        if (!admission.ok) return refuse(socket, admission.status, admission.code, admission.message)
        if (closing || socket.destroyed) return socket.destroy()
        server.handleUpgrade(req, socket, head, (ws) => accept(ws, admission.admitted))
      })
      .catch((error) => {
        console.error('[scraping-run] attachWebSocket: the upgrade failed:', error)
        socket.destroy()
      })
  }

  function accept(ws: WebSocket, admitted: Admitted): void {
    const connection = connections.add(ws, admitted)
    ws.on('message', (data, isBinary) => queueEvent(events, connection, 'message', decodeMessage(data as Buffer, isBinary)))
    ws.on('error', (error: Error & { code?: string }) => onError(connection, error))
    ws.on('close', (code, reason) => {
      connections.remove(connection)
      const cause = connection.cause
      const error = cause ? { error: { code: cause.code, message: cause.message } } : {}
      queueEvent(events, connection, 'close', { code: cause?.sent ?? code, reason: reason.toString('utf8'), ...error })
    })
    queueEvent(events, connection, 'connection', undefined)
  }

  // ws has already sent 1009 for an oversize message and closes the connection; only that client is affected.
  function onError(connection: Connection, error: Error & { code?: string }): void {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      connection.cause ??= { code: 'PAYLOAD_TOO_LARGE', message: `a message was larger than ${limits.maxPayload} bytes (maxPayload)`, sent: CLOSE.tooBig }
    } else {
      connection.cause ??= { code: 'FUNCTION_ERROR', message: `protocol error: ${error.message}` }
    }
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      httpServer.off('upgrade', onUpgrade)
      detach()
      await connections.closeAll()
      server.close()
    })()
    return closing
  }
  connections.shutdown = close
  httpServer.on('upgrade', onUpgrade)
  const own = new SocketHub()
  own.attach(connections)
  return { path, sockets: createSocketsFacade((action, args) => own.op(action, args)), close }
}
