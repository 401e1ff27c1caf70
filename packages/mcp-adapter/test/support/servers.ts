import type { AddressInfo } from 'node:net'
import express from 'express'
import express4 from 'express4'
import { Client as V2Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { createExecutor, memorySink, memoryStore } from '@scraping-run/runtime-core'
import type { FunctionRecordInput, FunctionStore, Sandbox } from '@scraping-run/runtime-core'
import { createMcpHandler, type McpHandlerOptions } from '@scraping-run/mcp-adapter'

/** Functions most tests use. */
export const FUNCTIONS: FunctionRecordInput[] = [
  {
    name: 'add',
    description: 'Adds two numbers',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false },
    source: `export default async function (ctx) { return { sum: ctx.body.a + ctx.body.b, trigger: ctx.trigger, user: ctx.user } }`,
  },
  {
    name: 'greet/en',
    description: 'Says hello',
    inputSchema: { type: 'object', properties: { name: { type: 'string' } } },
    source: `export default async function (ctx) { return 'Hello, ' + (ctx.body.name ?? 'world') }`,
  },
  {
    name: 'fail',
    description: 'Always throws',
    inputSchema: { type: 'object' },
    source: `export default async function () { throw new Error('the database is on fire') }`,
  },
  {
    name: 'wait',
    description: 'Waits until cancelled',
    inputSchema: { type: 'object', properties: { marker: { type: 'string' } }, required: ['marker'] },
    // Writes a file when its signal fires: proof, outside the executor, that the cancellation reached the function.
    source: `import { writeFileSync } from 'node:fs'
    export default async function (ctx) {
      writeFileSync(ctx.body.marker, 'started')
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
      writeFileSync(ctx.body.marker, 'aborted: ' + ctx.signal.aborted)
    }`,
  },
  {
    name: 'slow',
    description: 'Never finishes in time',
    inputSchema: { type: 'object' },
    timeoutMs: 200,
    source: `export default async function () { await new Promise(() => {}) }`,
  },
  // Not tools: no metadata, or a system function.
  { name: 'plain', source: `export default async function () { return 'plain' }` },
  {
    name: '__interceptor__',
    source: `export default async function (ctx, next) { return next() }`,
  },
]

export interface Harness {
  url: string
  /** The same handler mounted without a body parser. */
  rawUrl: string
  store: ReturnType<typeof memoryStore>
  executor: ReturnType<typeof createExecutor>
  sink: ReturnType<typeof memorySink>
  calls: string[]
  handler: ReturnType<typeof createMcpHandler>
  close(): Promise<void>
}

/** The Express lines the handler is mounted on in tests. */
export const EXPRESS = { 5: express, 4: express4 } as const

export async function startHarness(
  options: Partial<McpHandlerOptions> = {},
  functions = FUNCTIONS,
  expressLine: 4 | 5 = 5,
  extra: {
    /** Wraps the memory store, e.g. into one whose records carry more fields than runtime-core's stores keep. */
    wrapStore?: (store: ReturnType<typeof memoryStore>) => FunctionStore
    /** The executor's sandbox (default: runtime-core's default). */
    sandbox?: Sandbox
  } = {},
): Promise<Harness> {
  const store = memoryStore(functions)
  const sink = memorySink()
  const executor = createExecutor({
    store: extra.wrapStore ? extra.wrapStore(store) : store,
    logSink: sink,
    ...(extra.sandbox ? { sandbox: extra.sandbox } : {}),
  })
  // Records which functions really ran (an interceptor sees every entry point).
  const calls: string[] = []
  executor.use(async (ctx, next) => {
    calls.push(ctx.functionName)
    return next()
  })
  const handler = createMcpHandler(executor, { name: 'test-server', version: '1.2.3', ...options })
  const framework = EXPRESS[expressLine]
  const app = framework()
  app.all('/mcp', framework.json(), handler)
  app.all('/raw', handler)
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${base}/mcp`,
    rawUrl: `${base}/raw`,
    store,
    executor,
    sink,
    calls,
    handler,
    async close() {
      await handler.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await executor.close()
    },
  }
}

export type Era = 'modern' | 'legacy'

/** A v2 SDK client; `modern` negotiates the 2026-07-28 revision, `legacy` speaks the 2025 handshake. */
export async function connectV2(url: string, era: Era, extra: { token?: string; headers?: Record<string, string>; onToolsChanged?: (names: string[]) => void } = {}) {
  const client = new V2Client(
    { name: 'test-v2', version: '1.0.0' },
    {
      versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' },
      ...(extra.onToolsChanged
        ? { listChanged: { tools: { debounceMs: 0, onChanged: (_error, tools) => extra.onToolsChanged!((tools ?? []).map((t) => t.name)) } } }
        : {}),
    },
  )
  const headers: Record<string, string> = { ...extra.headers, ...(extra.token ? { authorization: `Bearer ${extra.token}` } : {}) }
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return client
}

/** A v1 (`@modelcontextprotocol/sdk`) client: the 2025-era line agents still ship. */
export async function connectV1(url: string, extra: { token?: string; headers?: Record<string, string> } = {}) {
  const client = new V1Client({ name: 'test-v1', version: '1.0.0' })
  const headers: Record<string, string> = { ...extra.headers, ...(extra.token ? { authorization: `Bearer ${extra.token}` } : {}) }
  await client.connect(new V1HttpTransport(new URL(url), { requestInit: { headers } }))
  return client
}

/** Resolves once `predicate` holds, polling (no fixed sleeps: the run is as fast as the machine allows). */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
