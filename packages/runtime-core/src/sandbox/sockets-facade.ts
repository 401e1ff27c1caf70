import type { CloudSocket, CloudSockets, TokenPayload } from '@scraping-run/cloud'

/** One `sockets` bridge op: `['list']`, `['get', id]`, `['send', id, data]`, `['close', id, code?, reason?]`, `['broadcast', data, except]`. */
type SocketsCall = (action: string, args: unknown[]) => unknown

/**
 * `cloud.sockets` over the bridge: the connections are listed as `{id, user}` and every send is one op, so no raw socket
 * ever reaches a function. It uses no import and no host object: the isolate's prelude evaluates this same source.
 */
export function createSocketsFacade(call: SocketsCall): CloudSockets {
  const handle = (entry: { id: string; user: TokenPayload | null }): CloudSocket =>
    Object.freeze({
      id: entry.id,
      user: entry.user,
      readyState: 1,
      send: (data: unknown) => call('send', [entry.id, data]) as boolean,
      close: (code?: number, reason?: string) => {
        call('close', [entry.id, code, reason])
      },
    })
  const list = () => (call('list', []) as Array<{ id: string; user: TokenPayload | null }>).map(handle)
  const sockets: CloudSockets = {
    get size() {
      return call('size', []) as number
    },
    forEach(callback) {
      if (typeof callback !== 'function') throw new TypeError('cloud.sockets.forEach(callback) needs a function')
      for (const socket of list()) callback(socket)
    },
    values: () => list()[Symbol.iterator](),
    [Symbol.iterator]: () => list()[Symbol.iterator](),
    get(id) {
      const entry = call('get', [String(id)]) as { id: string; user: TokenPayload | null } | null
      return entry ? handle(entry) : undefined
    },
    has: (id) => call('get', [String(id)]) !== null,
    send: (id, data) => call('send', [String(id), data]) as boolean,
    broadcast(data, options) {
      const except = options?.except
      return call('broadcast', [data, except === undefined ? [] : Array.isArray(except) ? except.map(String) : [String(except)]]) as number
    },
  }
  return Object.freeze(sockets)
}
