// A stand-in for an LLM agent: connects to an MCP endpoint with the official SDK client, lists the tools, calls one and
// prints the result. Where an agent would let the model pick the tool and write the arguments, this script takes them
// from the command line, or picks the first tool and fills its required arguments with sample values from the schema.
//
//   node src/index.js [url] [--token <jwt>] [--tool <name>] [--args '<json>'] [--legacy]
//
// url defaults to the demo's http://127.0.0.1:3000/mcp; --token (or MCP_TOKEN) is sent as a bearer token; --legacy
// speaks the 2025 handshake instead of negotiating the 2026-07-28 revision.
import { parseArgs } from 'node:util'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    token: { type: 'string' },
    tool: { type: 'string' },
    args: { type: 'string' },
    legacy: { type: 'boolean' },
  },
})
const url = new URL(positionals[0] ?? process.env.MCP_URL ?? 'http://127.0.0.1:3000/mcp')
const token = values.token ?? process.env.MCP_TOKEN

/** A value that satisfies a (simple) JSON Schema, for a demo call without a model. */
function sample(schema = {}) {
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]
  switch (schema.type) {
    case 'string':
      return 'example'
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return true
    case 'array':
      return []
    case 'object': {
      const out = {}
      for (const name of schema.required ?? []) out[name] = sample(schema.properties?.[name])
      return out
    }
    default:
      return null
  }
}

const client = new Client({ name: 'scraping-run-example-agent', version: '0.0.0' }, { versionNegotiation: { mode: values.legacy ? 'legacy' : 'auto' } })
const transport = new StreamableHTTPClientTransport(url, token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {})
try {
  await client.connect(transport)
} catch (error) {
  console.error(`Could not connect to ${url}: ${error.message}`)
  console.error('Is the demo running (npx --yes pnpm@10.34.9 demo)? Does the endpoint need --token?')
  process.exit(1)
}
const server = client.getServerVersion()
console.log(`Connected to ${server?.name} ${server?.version} at ${url} (protocol ${client.getNegotiatedProtocolVersion()})\n`)

const { tools } = await client.listTools()
console.log(`${tools.length} tool(s):`)
for (const tool of tools) console.log(`  ${tool.name.padEnd(24)} ${tool.description ?? ''}`)
if (tools.length === 0) {
  await client.close()
  process.exit(0)
}

const tool = values.tool ? tools.find((candidate) => candidate.name === values.tool) : tools[0]
if (!tool) {
  console.error(`\nNo tool named ${values.tool}`)
  process.exit(1)
}
const args = values.args ? JSON.parse(values.args) : sample(tool.inputSchema)
console.log(`\nCalling ${tool.name} with ${JSON.stringify(args)}`)
const result = await client.callTool({ name: tool.name, arguments: args })
if (result.isError) console.log('The tool reported an error:')
for (const block of result.content ?? []) console.log(block.type === 'text' ? block.text : block)
if (result.structuredContent !== undefined) console.log('structuredContent:', JSON.stringify(result.structuredContent, null, 2))
await client.close()
