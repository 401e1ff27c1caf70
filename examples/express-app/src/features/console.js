// The web console at /console: write, save to dev, promote, roll back, run, watch logs and latency, and test the db-proxy
// policy. It sits on the deploy feature's registry and executors; sign in with the admin token printed at start-up.
import { consoleRouter } from '@scraping-run/console'
import { appPolicy } from './proxy.js'

/** @param {import('../app.js').Demo} demo */
export async function consoleFeature(demo) {
  const deploy = demo.services.deploy
  if (!deploy) {
    console.log('console: no deploy feature (it needs MongoDB), so /console is not mounted')
    return
  }
  const proxy = demo.services.dbProxy
  // The MCP panel asks the demo's own /mcp, as an agent would; the address is the one the first console request came in on.
  let origin
  demo.app.use('/console', (req, _res, next) => {
    origin ??= `http://${req.socket.localAddress?.includes(':') ? `[${req.socket.localAddress}]` : req.socket.localAddress}:${req.socket.localPort}`
    next()
  })
  const mcp = demo.services.sampleToken ? mcpClient(() => origin, demo.services.sampleToken) : undefined
  demo.app.use(
    '/console',
    consoleRouter({
      registry: deploy.registry,
      env: deploy.env,
      environments: deploy.environments,
      ...(mcp ? { mcp } : {}),
      ...(proxy ? { proxy: { policies: { app: appPolicy }, check: (name, request, user) => proxy.check(name, request, user) } } : {}),
      authenticate: { jwtSecret: demo.services.jwtSecret },
      title: 'scraping-run demo console',
    }),
  )
  demo.routes.push({ method: 'GET', path: '/console/', what: `the web console (open it in a browser; sign in with the admin token: ${demo.services.adminToken})` })
}

/** tools/list and tools/call over the demo's Streamable HTTP endpoint (stateless: one JSON-RPC request per call). */
function mcpClient(origin, token) {
  let id = 0
  async function rpc(method, params) {
    const res = await fetch(`${origin()}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    })
    const text = await res.text()
    // The answer is JSON, or an event stream whose last data line is the JSON-RPC response.
    const json = res.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5)).pop() : text
    const message = JSON.parse(json ?? 'null')
    if (!message || message.error) throw new Error(`MCP ${method}: ${message?.error?.message ?? `HTTP ${res.status}`}`)
    return message.result
  }
  return {
    listTools: async () => (await rpc('tools/list', {})).tools,
    callTool: (name, args) => rpc('tools/call', { name, arguments: args }),
  }
}

export default consoleFeature
