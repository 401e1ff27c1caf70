// The functions as MCP tools: `/mcp` (Streamable HTTP) on the executor the functions feature started. Callers sign in
// the same way as for /fn: a bearer token from /demo/token becomes ctx.user, so the demo's __interceptor__ lets them in.
// Try it with the SDK client script in examples/mcp-agent.
import express from 'express'
import { parseToken } from '@scraping-run/cloud'
import { createMcpHandler } from '@scraping-run/mcp-adapter'

const TOKEN = `TOKEN=$(curl -s -X POST $BASE/demo/token -H 'content-type: application/json' -d '{"uid":"alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`

/** @param {import('../app.js').Demo} demo */
export async function mcpFeature(demo) {
  const executor = demo.services.executor
  if (!executor) {
    console.log('mcp: no executor (the functions feature did not start one), so /mcp is not mounted')
    return
  }
  const secret = demo.services.jwtSecret
  const handler = createMcpHandler(executor, {
    name: 'scraping-run-demo',
    version: '0.0.0',
    // A missing or bad token gets 401 with WWW-Authenticate, which MCP clients understand.
    authenticate: (req) => (secret ? parseToken(req.headers.authorization, { secret }) : executor.parseToken(req.headers.authorization)),
    onError: (error) => console.error(`mcp: ${error.message}`),
  })
  demo.app.all('/mcp', express.json(), handler)
  demo.onClose(() => handler.close())
  // The functions feature prints a sample token; without it, get one from the db-proxy feature's /demo/token.
  const token = demo.services.sampleToken ? `TOKEN=${demo.services.sampleToken}` : TOKEN
  demo.routes.push({
    method: 'POST',
    path: '/mcp',
    what: 'the functions as MCP tools for agents (every function with a description and an inputSchema)',
    try: `${token} && node examples/mcp-agent/src/index.js $BASE/mcp --token "$TOKEN" --tool echo --args '{"message":"hi","repeat":2}'`,
  })
}
