import { afterEach, describe, expect, it } from 'vitest'
import { McpAdapterError } from '@scraping-run/mcp-adapter'
import { createMcpHandler } from '@scraping-run/mcp-adapter'
import { createExecutor, memoryStore } from '@scraping-run/runtime-core'
import { connectV1, connectV2, startHarness, until, type Harness } from './support/servers.js'

const SCHEMA = { type: 'object', properties: {} }
let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

describe('authenticate', () => {
  const authenticate = (req: { headers: Record<string, string | string[] | undefined> }) =>
    req.headers.authorization === 'Bearer good-token' ? { uid: 'ada', role: 'admin' } : null

  it('answers 401 with WWW-Authenticate when the bearer token is missing or bad', async () => {
    harness = await startHarness({ authenticate })
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const missing = await fetch(harness.url, { method: 'POST', headers, body })
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /)
    const bad = await fetch(harness.url, { method: 'POST', headers: { ...headers, authorization: 'Bearer nope' }, body })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
    await expect(connectV2(harness.url, 'modern', { token: 'nope' })).rejects.toThrow()
    await expect(connectV1(harness.url)).rejects.toThrow()
  })

  it('lets a good token in, and the user reaches ctx.user (v2 and v1 clients)', async () => {
    harness = await startHarness({ authenticate })
    const v2 = await connectV2(harness.url, 'modern', { token: 'good-token' })
    const result = await v2.callTool({ name: 'add', arguments: { a: 1, b: 2 } })
    expect(result.structuredContent).toMatchObject({ sum: 3, user: { uid: 'ada', role: 'admin' } })
    await v2.close()
    const v1 = await connectV1(harness.url, { token: 'good-token' })
    expect((await v1.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toMatchObject({ user: { uid: 'ada' } })
    await v1.close()
  })
})

describe('which functions become tools, and their names', () => {
  it('select filters, toolName renames, and names are sanitised, cut to 64 characters and deduplicated', async () => {
    const long = 'x'.repeat(70)
    const selected: unknown[] = []
    harness = await startHarness(
      {
        select: (fn) => {
          selected.push(fn)
          return fn.name !== 'skip-me'
        },
        toolName: (fn) => (fn.name.startsWith('dup') ? 'same name!' : fn.name),
      },
      [
        { name: 'dup1', description: 'one', inputSchema: SCHEMA, source: 'export default () => 1' },
        { name: 'dup2', description: 'two', inputSchema: SCHEMA, source: 'export default () => 2' },
        { name: 'skip-me', description: 'skipped', inputSchema: SCHEMA, source: 'export default () => 0' },
        { name: `deep/${long}`, description: 'long', inputSchema: SCHEMA, source: 'export default () => 3' },
      ],
    )
    const client = await connectV2(harness.url, 'modern')
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    expect(names).toEqual([`deep_${'x'.repeat(59)}`, 'same_name_', 'same_name__2'])
    // select sees the whole record, with the tool metadata resolved.
    expect(selected).toContainEqual(expect.objectContaining({ name: 'dup1', description: 'one', inputSchema: SCHEMA, source: 'export default () => 1' }))
    expect((await client.callTool({ name: 'same_name__2', arguments: {} })).content).toEqual([{ type: 'text', text: '2' }])
    await client.close()
  })

  it("reads a module's exported meta when the record has none", async () => {
    harness = await startHarness({}, [
      {
        name: 'weather',
        source: `import cloud from '@scraping-run/cloud'
          const region = String(cloud.env.REGION ?? 'eu').toUpperCase()
          export const meta = {
            description: 'Current weather for a city',
            inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            annotations: { readOnlyHint: true },
          }
          export default async function (ctx) { return { city: ctx.body.city, sky: 'clear', region } }`,
      },
    ])
    const client = await connectV1(harness.url)
    const [tool] = (await client.listTools()).tools
    expect(tool).toMatchObject({ name: 'weather', description: 'Current weather for a city', annotations: { readOnlyHint: true } })
    expect((await client.callTool({ name: 'weather', arguments: { city: 'Oslo' } })).structuredContent).toEqual({ city: 'Oslo', sky: 'clear', region: 'EU' })
    expect((await client.callTool({ name: 'weather', arguments: {} })).isError).toBe(true)
    await client.close()
  })

  it('takes meta from executor.describe(): the sandbox loads the module, the function itself never runs, and only data is kept', async () => {
    harness = await startHarness({}, [
      {
        name: 'described',
        source: `export const meta = { description: 'Adds', inputSchema: { type: 'object' }, build() {} }
          export default async () => { throw new Error('must not run') }`,
      },
    ])
    const client = await connectV2(harness.url, 'modern')
    const [tool] = (await client.listTools()).tools
    expect(tool).toMatchObject({ name: 'described', description: 'Adds', inputSchema: { type: 'object' } })
    expect(JSON.stringify(tool)).not.toContain('build')
    await client.close()
  })

  it('leaves out a function whose top-level code throws, says why through onError, and evaluates nothing outside the sandbox', async () => {
    const errors: Error[] = []
    harness = await startHarness({ onError: (error) => errors.push(error) }, [
      {
        name: 'setup',
        source: `import { readFileSync } from 'node:fs'
          ;(globalThis as any).__mcpTopLevel = 'ran'
          const template = readFileSync('/nonexistent.html', 'utf8')
          export const meta = { description: 'never listed', inputSchema: { type: 'object' } }
          export default async () => template`,
      },
      { name: 'fine', description: 'ok', inputSchema: SCHEMA, source: 'export default () => 1' },
    ])
    const client = await connectV2(harness.url, 'modern')
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['fine'])
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^setup is not a tool: its module did not load \(FUNCTION_ERROR: .*nonexistent/)])
    expect((globalThis as { __mcpTopLevel?: unknown }).__mcpTopLevel).toBeUndefined()
    await client.close()
  })

  it('skips a function whose schema is unusable and reports INVALID_SCHEMA through onError', async () => {
    const errors: unknown[] = []
    harness = await startHarness({ onError: (error) => errors.push(error) }, [
      { name: 'scalar', description: 'not an object', inputSchema: { type: 'string' }, source: 'export default () => 1' },
      { name: 'broken', description: 'bad schema', inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } }, source: 'export default () => 1' },
      { name: 'fine', description: 'ok', inputSchema: SCHEMA, source: 'export default () => 1' },
    ])
    const client = await connectV2(harness.url, 'legacy')
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['fine'])
    expect(errors.map((error) => McpAdapterError.is(error, 'INVALID_SCHEMA'))).toEqual([true, true])
    expect(errors.map((error) => (error as Error).message).join('\n')).toMatch(/scalar[\s\S]*broken|broken[\s\S]*scalar/)
    // Another store change rebuilds the list; the same bad schemas are not reported again.
    harness.store.set({ name: 'fine', description: 'still ok', inputSchema: SCHEMA, source: 'export default () => 2' })
    await until(async () => (await client.listTools()).tools[0]?.description === 'still ok', 'the edit to be listed')
    expect(errors).toHaveLength(2)
    await client.close()
  })
})

describe('createMcpHandler arguments', () => {
  it('throws INVALID_OPTIONS without an executor, a name or a version', () => {
    const executor = createExecutor({ store: memoryStore() })
    expect(() => createMcpHandler({} as never, { name: 'a', version: '1' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => createMcpHandler(executor, { name: 'a' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => createMcpHandler(executor, { name: 'a', version: '1', select: 'x' } as never)).toThrow(/select must be a function/)
    void executor.close()
  })
})
