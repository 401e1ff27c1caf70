import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { McpAdapterError } from '@scraping-run/mcp-adapter'
import type { FunctionRecordInput, FunctionStore } from '@scraping-run/runtime-core'
import { connectV1, connectV2, startHarness, type Harness } from './support/servers.js'

type AnyClient = Awaited<ReturnType<typeof connectV2>> | Awaited<ReturnType<typeof connectV1>>
type CallResult = { content?: Array<{ type: string; text?: string }>; structuredContent?: unknown; isError?: boolean }

const ORDER_OUTPUT = {
  type: 'object',
  properties: { id: { type: 'string' }, total: { type: 'number' } },
  required: ['id', 'total'],
  additionalProperties: false,
}

// Tool metadata a store keeps beside the record (runtime-core's own stores keep description and inputSchema only; a
// custom store, a database-backed one say, can keep more).
const EXTRA: Record<string, Record<string, unknown>> = {
  'orders/create': {
    title: 'Create order',
    annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
    outputSchema: ORDER_OUTPUT,
  },
  nothing: { outputSchema: { type: 'object' } },
  numbers: { outputSchema: { type: 'array', items: { type: 'number' } } },
  'broken-output': { outputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } },
}

function withExtra(store: FunctionStore): FunctionStore {
  const add = <T extends { name: string } | undefined>(record: T): T => (record ? { ...record, ...EXTRA[record.name] } : record)
  return {
    list: async () => (await store.list()).map(add),
    get: async (name) => add(await store.get(name)),
    watch: (listener) => store.watch(listener),
  }
}

const FUNCTIONS: FunctionRecordInput[] = [
  {
    name: 'orders/create',
    description: 'Creates an order',
    inputSchema: { type: 'object', properties: { bad: { type: 'boolean' } } },
    source: `export default async (ctx) => ctx.body.bad ? { id: 42, total: 'lots' } : { id: 'o-1', total: 9.5 }`,
  },
  {
    name: 'weather',
    source: `export const meta = {
        description: 'Current weather',
        title: 'Weather',
        inputSchema: { type: 'object' },
        annotations: { readOnlyHint: true, openWorldHint: true },
        outputSchema: { type: 'object', properties: { sky: { type: 'string' } }, required: ['sky'] },
      }
      export default async () => ({ sky: 'clear' })`,
  },
  {
    name: 'nothing',
    description: 'Declares output but returns none',
    inputSchema: { type: 'object' },
    source: `export default async () => undefined`,
  },
  {
    name: 'numbers',
    description: 'Returns a list',
    inputSchema: { type: 'object', properties: { bad: { type: 'boolean' } } },
    source: `export default async (ctx) => ctx.body.bad ? [1, 'two'] : [1, 2, 3]`,
  },
  {
    name: 'broken-output',
    description: 'Unusable output schema',
    inputSchema: { type: 'object' },
    source: `export default async () => ({})`,
  },
]

const CLIENTS = [
  { label: 'v2 client, 2026-07-28', modern: true, connect: (url: string) => connectV2(url, 'modern') },
  { label: 'v2 client, 2025 handshake', modern: false, connect: (url: string) => connectV2(url, 'legacy') },
  { label: 'v1 client (@modelcontextprotocol/sdk)', modern: false, connect: (url: string) => connectV1(url) },
] as const

function call(client: AnyClient, name: string, args: Record<string, unknown>): Promise<CallResult> {
  if ('getNegotiatedProtocolVersion' in client) return client.callTool({ name, arguments: args }) as Promise<CallResult>
  return (client as Awaited<ReturnType<typeof connectV1>>).callTool({ name, arguments: args }) as Promise<CallResult>
}

let harness: Harness
const errors: Error[] = []
beforeAll(async () => {
  harness = await startHarness({ onError: (error) => errors.push(error) }, FUNCTIONS, 5, { wrapStore: withExtra })
})
afterAll(async () => {
  await harness.close()
})

it('leaves out a function whose outputSchema does not compile, reporting INVALID_SCHEMA', async () => {
  const client = await connectV2(harness.url, 'modern')
  expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('broken-output')
  expect(errors.filter((error) => McpAdapterError.is(error, 'INVALID_SCHEMA')).map((error) => error.message)).toEqual([
    expect.stringMatching(/^broken-output: outputSchema is not a usable JSON Schema/),
  ])
  await client.close()
})

describe.each(CLIENTS)('tool metadata with the $label', ({ connect, modern }) => {
  let client: AnyClient
  beforeAll(async () => {
    client = await connect(harness.url)
  })
  afterAll(async () => {
    await client.close()
  })

  it('lists title, annotations and outputSchema, from the record and from meta', async () => {
    const { tools } = await client.listTools()
    const order = tools.find((tool) => tool.name === 'orders_create')!
    expect(order).toMatchObject({ title: 'Create order', annotations: EXTRA['orders/create']!.annotations, outputSchema: ORDER_OUTPUT })
    const weather = tools.find((tool) => tool.name === 'weather')!
    expect(weather).toMatchObject({
      title: 'Weather',
      annotations: { readOnlyHint: true, openWorldHint: true },
      outputSchema: { type: 'object', required: ['sky'] },
    })
  })

  it('returns structured content that matches the outputSchema', async () => {
    const result = await call(client, 'orders_create', {})
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toEqual({ id: 'o-1', total: 9.5 })
    expect((await call(client, 'weather', {})).structuredContent).toEqual({ sky: 'clear' })
  })

  it('turns a result that does not match the outputSchema into a tool error', async () => {
    const result = await call(client, 'orders_create', { bad: true })
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toBeUndefined()
    expect(result.content![0]!.text).toMatch(/^Output validation error: tool orders_create returned a result that does not match its outputSchema/)
  })

  it('validates a result whose outputSchema is not an object (arrays, per era as the SDK shapes them)', async () => {
    const good = await call(client, 'numbers', {})
    expect(good.isError).toBeFalsy()
    // 2025-era wire results carry an object: the SDK wraps a non-object value as {result: …}.
    expect(good.structuredContent).toEqual(modern ? [1, 2, 3] : { result: [1, 2, 3] })
    const bad = await call(client, 'numbers', { bad: true })
    expect(bad.isError).toBe(true)
    expect(bad.content![0]!.text).toMatch(/does not match its outputSchema/)
  })

  it('turns a missing result into a tool error when the tool declares an outputSchema', async () => {
    const result = await call(client, 'nothing', {})
    expect(result.isError).toBe(true)
    expect(result.content![0]!.text).toMatch(/returned no structured content/)
  })
})
