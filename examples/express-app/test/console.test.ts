import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveFeatures } from './helpers.js'
import { mongoFeature } from '../src/features/mongo.js'
import { proxyFeature } from '../src/features/proxy.js'
import { functionsFeature } from '../src/features/functions.js'
import { deployFeature } from '../src/features/deploy.js'
import { mcpFeature } from '../src/features/mcp.js'
import { consoleFeature } from '../src/features/console.js'

// The console mounted by the demo at /console, on the deploy feature's registry and executors (the browser test of the
// page itself is in packages/console).
let served: Awaited<ReturnType<typeof serveFeatures>>
beforeAll(async () => {
  served = await serveFeatures([mongoFeature, proxyFeature, functionsFeature, deployFeature, mcpFeature, consoleFeature], {})
}, 60_000)
afterAll(() => served?.close())

const api = (path: string, init: RequestInit = {}, token: string | null = served.services.adminToken) =>
  fetch(`${served.base}/console/api${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } })

describe('console feature', () => {
  it('serves the page, and prints the admin token to sign in with', async () => {
    const page = await fetch(`${served.base}/console/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('app.js')
    expect((await fetch(`${served.base}/console/app.js`)).status).toBe(200)
    const route = served.routes.find((r: { path: string }) => r.path === '/console/')
    expect(route?.what).toContain(served.services.adminToken)
  })

  it('refuses its API without the admin token; with it, lists dev, staging and prod and the functions deployed to dev', async () => {
    expect((await api('/session', {}, null)).status).toBe(401)
    const session = await (await api('/session')).json()
    expect(session.environments.map((env: { name: string }) => env.name)).toEqual(['dev', 'staging', 'prod'])
    const functions = await (await api('/functions?environment=dev')).json()
    expect(functions.map((fn: { name: string }) => fn.name)).toContain('hello')
  })

  it('runs hello in dev as a user, and tests the demo policy (allow and deny)', async () => {
    const run = await (await api('/run', { method: 'POST', body: JSON.stringify({ environment: 'dev', name: 'hello', body: { name: 'Ada' }, uid: 'ada' }) })).json()
    expect(run).toMatchObject({ status: 200, data: { message: 'Hello, Ada!' } })
    const add = { action: 'database.addDocument', collectionName: 'posts', data: { title: 'Hi', author: 'ada' } }
    const allowed = await (await api('/policies/check', { method: 'POST', body: JSON.stringify({ policy: 'app', request: add, user: { uid: 'ada' } }) })).json()
    expect(allowed).toMatchObject({ allowed: true })
    const denied = await (await api('/policies/check', { method: 'POST', body: JSON.stringify({ policy: 'app', request: add, user: null }) })).json()
    expect(denied).toMatchObject({ allowed: false, validator: 'condition' })
  })

  it('lists the MCP tools as an agent sees them over /mcp, and calls one', async () => {
    const tools = await (await api('/mcp/tools')).json()
    const echo = tools.find((tool: { name: string }) => tool.name === 'echo')
    expect(echo).toMatchObject({ inputSchema: { type: 'object' } })
    const result = await (await api('/mcp/call', { method: 'POST', body: JSON.stringify({ name: 'echo', arguments: { message: 'hi', repeat: 2 } }) })).json()
    expect(JSON.stringify(result)).toContain('hi')
  })
})
