import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { getToken } from '@scraping-run/cloud'
import { createExecutor, memoryStore } from '@scraping-run/runtime-core'
import { serveFeatures, type Route } from './helpers.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mcpFeature } from '../src/features/mcp.js'

// The mcp feature over an executor like the one the functions feature starts, driven by the examples/mcp-agent script
// (the official SDK client) as a user would run it.
const SECRET = 'mcp-feature-test-secret'
const agent = fileURLToPath(new URL('../../mcp-agent/src/index.js', import.meta.url))
const run = promisify(execFile)
let served: Awaited<ReturnType<typeof serveFeatures>>
let base: string
let routes: Route[]
let services: Record<string, any>

beforeAll(async () => {
  const store = memoryStore([
    {
      name: 'greet',
      description: 'Greets someone by name',
      inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      source: `export default async (ctx) => ({ greeting: 'Hello, ' + ctx.body.name, caller: ctx.user?.uid ?? null })`,
    },
  ])
  const executor = createExecutor({ store, jwtSecret: SECRET })
  served = await serveFeatures([mcpFeature], { executor, jwtSecret: SECRET })
  ;({ base, routes, services } = served)
  served.onClose(() => executor.close())
})

afterAll(() => served?.close())

describe('demo: /mcp', () => {
  it('lists a route with a try line', () => {
    expect(routes).toEqual([expect.objectContaining({ method: 'POST', path: '/mcp', try: expect.stringContaining('mcp-agent') })])
  })

  it('the example agent lists the tools and calls one with a token', async () => {
    const token = getToken({ uid: 'alice' }, { secret: SECRET })
    const { stdout } = await run(process.execPath, [agent, `${base}/mcp`, '--token', token])
    expect(stdout).toContain('1 tool(s):')
    expect(stdout).toMatch(/greet\s+Greets someone by name/)
    expect(stdout).toContain('Calling greet with {"name":"example"}')
    expect(stdout).toContain('"greeting": "Hello, example"')
    expect(stdout).toContain('"caller": "alice"')
  })

  it('refuses a caller without a token (401), and the agent says so', async () => {
    const response = await fetch(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const failed = await run(process.execPath, [agent, `${base}/mcp`, '--legacy']).catch((error: { code: number; stderr: string }) => error)
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('Could not connect') })
  })
})
