// WebSocket chat: upgrades on /ws run functions/__websocket__.ts (connection, message, close), which broadcasts through
// cloud.sockets. Only signed-in users connect: the token (Authorization header or ?token=) must verify. The socket
// needs the HTTP server, so it is attached when the app starts listening (demo.onListen).
import { attachWebSocket } from '@scraping-run/runtime-core'

/** @param {import('../app.js').Demo} demo */
export function websocketFeature(demo) {
  const executor = demo.services.executor
  if (!executor) throw new Error('the websocket feature needs the functions feature first')
  demo.onListen((server) => {
    const websocket = attachWebSocket(server, executor, { path: '/ws', authenticate: (_req, user) => user })
    demo.services.websocket = websocket
    demo.onClose(() => websocket.close())
  })
  const token = demo.services.sampleToken
  // `$BASE` is replaced with http://host:port when printed; ws:// is the same address.
  const client =
    `node -e "const ws = new (require('ws'))(process.argv[1].replace(/^http/, 'ws')); ws.on('message', (m) => console.log(String(m))); ` +
    `process.stdin.on('data', (line) => ws.send(String(line).trim()))" "$BASE/ws?token=${token}"`
  demo.routes.push(
    { method: 'GET', path: '/chat.html', what: 'a chat page over the WebSocket at /ws (open it in two browser tabs)' },
    { method: 'WS', path: '/ws', what: 'chat (functions/__websocket__.ts); run this in examples/express-app and type lines', try: client },
  )
}

export default websocketFeature
