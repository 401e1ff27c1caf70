// Runs the MCP project's conformance suite (@modelcontextprotocol/conformance) against createMcpHandler: the tools,
// logging, progress and DNS-rebinding scenarios. The suite needs Node >= 22, taken from npm's `node` package, so this
// runs on the Node 20 the repo uses too. Needs a build first (it loads the package's dist like a host app would).
//   node packages/mcp-adapter/conformance/run.mjs        (exit code 1 when a scenario fails)
//   node packages/mcp-adapter/conformance/run.mjs --sessions   (the same against session mode)
import { spawn } from 'node:child_process'
import express from 'express'
import { createExecutor, memoryStore } from '@scraping-run/runtime-core'
import { createMcpHandler } from '@scraping-run/mcp-adapter'

const SUITE = '@modelcontextprotocol/conformance@0.1.16'
const NODE = 'node@22'
const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-error',
  'logging-set-level',
  'tools-call-with-logging',
  'tools-call-with-progress',
  'dns-rebinding-protection',
]

const none = { type: 'object', properties: {} }
// The tools the scenarios call, as cloud functions (names and behaviour from each scenario's description).
const FUNCTIONS = [
  { name: 'test_simple_text', description: 'Returns text', inputSchema: none, source: `export default async () => 'This is a simple text response for testing.'` },
  { name: 'test_error_handling', description: 'Fails', inputSchema: none, source: `export default async () => { throw new Error('This tool intentionally returns an error for testing') }` },
  {
    name: 'test_tool_with_logging',
    description: 'Logs during its run',
    inputSchema: none,
    source: `const pause = () => new Promise((resolve) => setTimeout(resolve, 50))
      export default async () => {
        console.info('Tool execution started'); await pause()
        console.info('Tool processing data'); await pause()
        console.info('Tool execution completed')
        return 'Logging done'
      }`,
  },
  {
    name: 'test_tool_with_progress',
    description: 'Reports progress',
    inputSchema: none,
    source: `const pause = () => new Promise((resolve) => setTimeout(resolve, 50))
      export default async (ctx) => {
        ctx.progress(0, 100); await pause()
        ctx.progress(50, 100); await pause()
        ctx.progress(100, 100)
        return 'Progress done'
      }`,
  },
]

const executor = createExecutor({ store: memoryStore(FUNCTIONS) })
const sessions = process.argv.includes('--sessions')
const handler = createMcpHandler(executor, { name: 'scraping-run-conformance', version: '1.0.0', sessions })
const app = express()
app.all('/mcp', express.json(), handler)
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://localhost:${server.address().port}/mcp`

const failed = []
for (const scenario of SCENARIOS) {
  // The suite runs in a child (asynchronously: this process serves its requests meanwhile).
  const code = await runSuite(scenario)
  if (code !== 0) failed.push(scenario)
}
await handler.close()
server.closeAllConnections()
server.close()
await executor.close()
const mode = sessions ? ' (session mode)' : ''
console.log(failed.length === 0 ? `all ${SCENARIOS.length} scenarios passed${mode}` : `failed${mode}: ${failed.join(', ')}`)
process.exit(failed.length === 0 ? 0 : 1)

function runSuite(scenario) {
  const child = spawn('npx', ['--yes', '-p', NODE, '-p', SUITE, 'conformance', 'server', '--url', url, '--scenario', scenario], { stdio: 'inherit' })
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
}
