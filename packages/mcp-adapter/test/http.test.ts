import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createMcpHandler } from '@scraping-run/mcp-adapter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectV1, connectV2, startHarness, until, type Harness } from './support/servers.js'

type AnyClient = Awaited<ReturnType<typeof connectV2>> | Awaited<ReturnType<typeof connectV1>>
type CallResult = { content?: Array<{ type: string; text?: string }>; structuredContent?: unknown; isError?: boolean }

const CLIENTS = [
  { label: 'v2 client, 2026-07-28', connect: (url: string) => connectV2(url, 'modern') },
  { label: 'v2 client, 2025 handshake', connect: (url: string) => connectV2(url, 'legacy') },
  { label: 'v1 client (@modelcontextprotocol/sdk)', connect: (url: string) => connectV1(url) },
] as const

// The two SDK lines take call options in different positions (v1 has a result schema before them).
function call(client: AnyClient, name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallResult> {
  const options = signal ? { signal } : undefined
  if ('getNegotiatedProtocolVersion' in client) return client.callTool({ name, arguments: args }, options) as Promise<CallResult>
  return (client as Awaited<ReturnType<typeof connectV1>>).callTool({ name, arguments: args }, undefined, options) as Promise<CallResult>
}

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(async () => {
  await harness.close()
})

describe.each(CLIENTS)('over Streamable HTTP with the $label', ({ connect }) => {
  let client: AnyClient
  beforeAll(async () => {
    client = await connect(harness.url)
  })
  afterAll(async () => {
    await client.close()
  })

  it('lists the functions that have a description and an input schema, with sanitised names', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual(['add', 'fail', 'greet_en', 'slow', 'wait'])
    const add = tools.find((tool) => tool.name === 'add')!
    expect(add.description).toBe('Adds two numbers')
    expect(add.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' } } })
  })

  it('calls a tool: an object result is structured content plus text, and the trigger names the tool', async () => {
    const result = await call(client, 'add', { a: 2, b: 40 })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toEqual({ sum: 42, trigger: { kind: 'mcp', tool: 'add' }, user: null })
    expect(JSON.parse(result.content![0]!.text!)).toEqual(result.structuredContent)
  })

  it('calls a tool whose function has a path-like name; a string result is text only', async () => {
    const result = await call(client, 'greet_en', { name: 'Ada' })
    expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada' }])
    expect(result.structuredContent).toBeUndefined()
  })

  it('refuses invalid arguments before the function runs', async () => {
    const before = harness.calls.length
    const result = await call(client, 'add', { a: 'two' })
    expect(result.isError).toBe(true)
    expect(result.content![0]!.text).toMatch(/Invalid arguments for tool add/)
    expect(harness.calls.length).toBe(before)
  })

  it('turns a thrown error into an error result with the message and no stack', async () => {
    const result = await call(client, 'fail', {})
    expect(result.isError).toBe(true)
    expect(result.content).toEqual([{ type: 'text', text: 'the database is on fire' }])
  })

  it('answers an unknown tool with a protocol error', async () => {
    await expect(call(client, 'nope', {})).rejects.toMatchObject({ code: -32602 })
  })

  it('turns an executor timeout into an MCP error (-32001)', async () => {
    await expect(call(client, 'slow', {})).rejects.toMatchObject({ code: -32001, message: expect.stringMatching(/timed out/) })
  })

})

describe('cancellation', () => {
  it('reaches the function as ctx.signal when a 2026-07-28 client cancels a call', async () => {
    const client = await connectV2(harness.url, 'modern')
    const marker = join(await mkdtemp(join(tmpdir(), 'mcp-cancel-')), 'marker')
    const controller = new AbortController()
    const pending = call(client, 'wait', { marker }, controller.signal)
    await until(() => existsSync(marker), 'the function to start')
    controller.abort()
    await expect(pending).rejects.toThrow()
    await until(() => readFileSync(marker, 'utf8') === 'aborted: true', 'the function to see the abort')
    await client.close()
  })
  // 2025-era clients over stateless HTTP send notifications/cancelled as a separate POST that no server instance can tie
  // to the call (there is no session); they get cancellation over stdio instead — see stdio.test.ts.
})

describe('with or without a body parser in front, on Express 5 and Express 4', () => {
  // Express 4's json() sets req.body = {} even when it read nothing; the handler must not take that for the body.
  it.each([5, 4] as const)('Express %i: both mounts serve v2 and v1 clients', async (line) => {
    const local = line === 5 ? harness : await startHarness({}, undefined, line)
    try {
      for (const url of [local.url, local.rawUrl]) {
        const v2 = await connectV2(url, 'modern')
        expect((await call(v2, 'add', { a: 1, b: 1 })).structuredContent).toMatchObject({ sum: 2 })
        await v2.close()
        const v1 = await connectV1(url)
        expect((await v1.listTools()).tools).toHaveLength(5)
        expect((await call(v1, 'add', { a: 3, b: 4 })).structuredContent).toMatchObject({ sum: 7 })
        await v1.close()
      }
    } finally {
      if (local !== harness) await local.close()
    }
  })
})

describe('behind another body parser', () => {
  it('takes the JSON-RPC message from a text or raw parser too', async () => {
    const handler = createMcpHandler(harness.executor, { name: 'parsers', version: '1.0.0' })
    const app = express()
    app.all('/text', express.text({ type: '*/*' }), handler)
    app.all('/raw', express.raw({ type: '*/*' }), handler)
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      for (const path of ['/text', '/raw']) {
        const client = await connectV1(`${base}${path}`)
        expect((await call(client, 'add', { a: 20, b: 22 })).structuredContent).toMatchObject({ sum: 42 })
        await client.close()
      }
    } finally {
      await handler.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('tools/list_changed', () => {
  it('tells a 2026-07-28 client when a function is added and when it is removed', async () => {
    const seen: string[][] = []
    const client = await connectV2(harness.url, 'modern', { onToolsChanged: (names) => seen.push(names.sort()) })
    harness.store.set({
      name: 'reports/daily',
      description: 'Daily report',
      inputSchema: { type: 'object', properties: { day: { type: 'string' } } },
      source: `export default async (ctx) => ({ day: ctx.body.day })`,
    })
    await until(() => seen.some((names) => names.includes('reports_daily')), 'the added tool to be announced')
    expect((await call(client, 'reports_daily', { day: 'mon' })).structuredContent).toEqual({ day: 'mon' })

    // An edit (here: the source only, same tool metadata) is announced too: clients may cache more than the list.
    const announced = seen.length
    harness.store.set({
      name: 'reports/daily',
      description: 'Daily report',
      inputSchema: { type: 'object', properties: { day: { type: 'string' } } },
      source: `export default async (ctx) => ({ day: ctx.body.day, edited: true })`,
    })
    await until(() => seen.length > announced, 'the edit to be announced')
    expect((await call(client, 'reports_daily', { day: 'tue' })).structuredContent).toEqual({ day: 'tue', edited: true })

    harness.store.delete('reports/daily')
    await until(() => !seen.at(-1)!.includes('reports_daily'), 'the removed tool to be announced')
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).not.toContain('reports_daily')
    await client.close()
  })

  it('serves the current list to a 2025-era client on its next request (stateless HTTP has no stream to push on)', async () => {
    const client = await connectV1(harness.url)
    harness.store.set({ name: 'extra', description: 'Extra', inputSchema: { type: 'object' }, source: `export default async () => 'x'` })
    await until(async () => (await client.listTools()).tools.some((tool) => tool.name === 'extra'), 'the added tool to be listed')
    harness.store.delete('extra')
    await until(async () => !(await client.listTools()).tools.some((tool) => tool.name === 'extra'), 'the removed tool to go')
    await client.close()
  })
})
