import { CloudError, type InvokeParams } from '@scraping-run/cloud'
import type { DatabaseOptions, DbTransport } from '@scraping-run/cloud'
import { RUNTIME_ERROR_CODES, RuntimeError, type RuntimeErrorCode } from '../errors.js'
import type { Services } from '../provider.js'
import type { BridgeOp, SandboxBridge } from '../sandbox/protocol.js'
import type { InvokeInit, InvokeResult, LogLevel } from '../types.js'
import type { Frame, Invocations } from './invocations.js'
import { replayChain } from './db-replay.js'
import { mongoOp } from './mongo-bridge.js'
import type { SocketHub } from './sockets.js'
import { applyResponseOp } from './response-ops.js'

export interface HostBridgeOptions {
  invocations: Invocations
  services: Services
  appid: string
  env: Record<string, string | undefined>
  maxInvokeDepth: number
  hostObjects: boolean
  /** The LAF profile: sandboxes give functions `cloud.fetch`. */
  laf?: boolean
  /** The executor's WebSocket connections (`cloud.sockets`). */
  sockets: SocketHub
  invoke(name: string, init: InvokeInit, depth: number): Promise<InvokeResult>
}

const GONE = Object.freeze({ statusCode: 200, headersSent: true, writableEnded: true })
const LEVELS = new Set<string>(['debug', 'info', 'log', 'warn', 'error'])

export interface HostBridge extends SandboxBridge {
  /** The bridge one invocation's sandbox calls get: ids it no longer knows (an ended call, top-level code) mean `frame`. */
  forFrame(frame: Frame): SandboxBridge
}

/** The host end of `bridge.call(invocationId, op, args)`: the caller is found by its invocation id, nothing else. */
export function createHostBridge(options: HostBridgeOptions): HostBridge {
  const { invocations, services } = options
  const envAnswer = Object.freeze({ appid: options.appid, env: options.env, ...(options.laf ? { laf: true } : {}) })

  // The frame of the call currently dispatching, for ids the registry no longer holds.
  let fallback: Frame | undefined
  const frameFor = (id: string): Frame | undefined => invocations.get(id)?.frame ?? fallback

  function frameOf(id: string, op: BridgeOp): Frame {
    const frame = frameFor(id)
    if (!frame) throw new RuntimeError('BAD_REQUEST', `bridge ${op}: no invocation ${JSON.stringify(id)} (it ended long ago, or the id is forged)`)
    return frame
  }

  const ops: Record<string, (id: string, args: unknown[]) => unknown> = {
    log(id, [level, ...rest]) {
      const frame = frameFor(id)
      const lvl = (LEVELS.has(level as string) ? level : 'log') as LogLevel
      if (frame) frame.log(lvl, rest)
      else hostPrint(lvl, `[scraping-run] ${id.startsWith('load:') ? `${id.slice(5)} (top-level code)` : 'a function callback'}:`, rest)
    },
    uncaught(id, [error]) {
      const frame = frameFor(id)
      if (!frame) return hostPrint('error', `[scraping-run] uncaught error in ${id.startsWith('load:') ? id.slice(5) : 'a function callback'}:`, [error])
      if (frame.done) frame.log('error', ['Uncaught error in a callback:', error])
      else frame.fail(error)
    },
    env: () => envAnswer,
    progress(id, [progress, total, message]) {
      if (typeof progress !== 'number' || !Number.isFinite(progress)) throw new RuntimeError('BAD_REQUEST', 'ctx.progress(progress, total?, message?) needs a finite number')
      frameFor(id)?.progress({
        progress,
        ...(typeof total === 'number' && Number.isFinite(total) ? { total } : {}),
        ...(typeof message === 'string' ? { message: message.slice(0, 1000) } : {}),
      })
    },
    stats(id, [stats]) {
      const frame = frameFor(id)
      if (frame && typeof stats === 'object' && stats !== null) frame.stats = stats as Frame['stats']
    },
    token(_id, [action, value, tokenOptions]) {
      if (action === 'get') return services.getToken(value as never, tokenOptions as never)
      if (action === 'parse') return services.parseToken(value as string, tokenOptions as never)
      throw new RuntimeError('BAD_REQUEST', `bridge token: unknown action ${JSON.stringify(action)}`)
    },
    invoke: (id, [name, params]) => invoke(id, name as string, (params ?? {}) as InvokeParams),
    database(id, [databaseOptions, request]) {
      const user = frameFor(id)?.user ?? null
      const db = services.database((databaseOptions ?? undefined) as DatabaseOptions | undefined, user)
      if (request === undefined) return true
      // A recorded builder chain (from a sandbox that shares no objects) is replayed on the host's builder.
      if (typeof request === 'object' && request !== null && 'chain' in request) return replayChain(db, (request as { chain: unknown }).chain)
      // The query builder keeps its transport private; the request was built in the sandbox, so only it crosses.
      return (db as unknown as { transport: DbTransport }).transport.send(request as never)
    },
    storage(_id, [bucket, method, ...args]) {
      const storage = services.storage()
      if (bucket === undefined) return true
      const target = storage.bucket(String(bucket)) as unknown as Record<string, (...args: unknown[]) => unknown>
      if (method === 'listAll' || typeof target[method as string] !== 'function') {
        throw new RuntimeError('BAD_REQUEST', `bucket has no method ${JSON.stringify(method)}`)
      }
      return target[method as string]!(...args)
    },
    next(id, [patch]) {
      const next = invocations.get(id)?.next
      if (!next) throw new RuntimeError('BAD_REQUEST', 'next() is only given to __interceptor__')
      return next(patch)
    },
    response(id, [method, ...args]) {
      const frame = frameOf(id, 'response')
      const response = frame.response
      // After the call ended (the client went away, the timeout): writes go nowhere, as on a destroyed response.
      if (!response && frame.hadResponse) return method === 'drain' ? Promise.resolve(GONE) : GONE
      if (!response) throw new RuntimeError('BAD_REQUEST', 'this invocation has no HTTP response (it was not started by an HTTP request)')
      return applyResponseOp(response, String(method), args)
    },
    sockets: (_id, [action, ...args]) => options.sockets.op(action, args),
    // Native driver objects for a sandbox that takes host objects; collection calls as data for any other.
    mongo(_id, args) {
      const mongo = services.mongo()
      if (options.hostObjects && args.length === 0) return mongo
      if (args[0] === 'check') return true
      return mongoOp(mongo, args)
    },
  }

  async function invoke(id: string, name: string, params: InvokeParams): Promise<unknown> {
    const frame = frameFor(id)
    const depth = (frame?.depth ?? 0) + 1
    if (depth > options.maxInvokeDepth) {
      throw new RuntimeError('INVOKE_DEPTH_EXCEEDED', `cloud.invoke('${name}') nested more than ${options.maxInvokeDepth} deep (runaway recursion?)`)
    }
    const result = await options.invoke(
      name,
      {
        body: params.body,
        query: params.query,
        headers: params.headers,
        method: params.method,
        // Inherit the caller's user, so an interceptor sees the same identity on internal calls.
        user: params.user !== undefined ? params.user : (frame?.user ?? null),
        trigger: { kind: 'invoke', caller: frame?.functionName ?? null },
        signal: frame?.signal(),
      },
      depth,
    )
    if (result.error) {
      // Keep the callee's code, and its error as the cause, so the caller can tell TIMEOUT from NOT_CONFIGURED.
      const { code, message } = result.error
      if ((RUNTIME_ERROR_CODES as readonly string[]).includes(code)) throw new RuntimeError(code as RuntimeErrorCode, message, { cause: result.error })
      throw new CloudError(code as never, message, { cause: result.error })
    }
    return result.data
  }

  function dispatch(id: string, op: BridgeOp, args: unknown[], frame: Frame | undefined): unknown {
    const handler = ops[op]
    if (!handler) throw new RuntimeError('BAD_REQUEST', `the bridge has no operation ${JSON.stringify(op)}`)
    const outer = fallback
    fallback = frame
    try {
      return handler(id, Array.isArray(args) ? args : [])
    } finally {
      fallback = outer
    }
  }

  return {
    call: (id, op, args) => dispatch(id, op, args, undefined),
    forFrame: (frame) => ({ call: (id, op, args) => dispatch(id, op, args, frame) }),
  }
}

function hostPrint(level: LogLevel, prefix: string, args: unknown[]): void {
  if (level === 'error' || level === 'warn') console.error(prefix, ...args)
  else console.log(prefix, ...args)
}
