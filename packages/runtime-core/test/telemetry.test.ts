import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { build } from 'esbuild'
import { Registry } from 'prom-client'
import { afterAll, describe, expect, it } from 'vitest'
import { createExecutor, createHttpHandler, createMetricsHandler, memoryStore, metricsSink, tracingSink } from '@scraping-run/runtime-core'

const FUNCTIONS = [
  { name: 'hi', source: 'export default () => "hi"' },
  { name: 'fails', source: 'export default () => { throw new Error("nope") }' },
]

describe('tracingSink (OpenTelemetry)', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  afterAll(() => provider.shutdown())

  it('one span per invocation, parented by the incoming traceparent, with function, trigger, cold and status', async () => {
    exporter.reset()
    const executor = createExecutor({ store: memoryStore(FUNCTIONS), logSink: await tracingSink({ tracer: provider.getTracer('test') }), jwtSecret: 's' })
    const server: Server = createServer(createHttpHandler(executor))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const traceId = '0af7651916cd43dd8448eb211c80319c'
    const parentId = 'b7ad6b7169203331'
    try {
      const answered = await fetch(`${base}/hi`, { method: 'POST', headers: { traceparent: `00-${traceId}-${parentId}-01` } })
      const requestId = answered.headers.get('x-request-id')
      await executor.invoke('fails')
      await executor.invoke('hi', { headers: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' } })
      const [http, failed, invalidParent] = exporter.getFinishedSpans()
      expect(exporter.getFinishedSpans()).toHaveLength(3)
      expect(http!.name).toBe('hi')
      expect(http!.spanContext().traceId).toBe(traceId)
      expect(http!.parentSpanContext?.spanId).toBe(parentId)
      expect(http!.attributes).toMatchObject({ 'faas.name': 'hi', 'faas.trigger': 'http', 'faas.coldstart': true, 'faas.invocation_id': requestId, 'scraping_run.trigger.kind': 'http', 'scraping_run.status': 'ok' })
      expect(http!.status.code).toBe(0)
      expect(failed!.parentSpanContext).toBeUndefined()
      expect(failed!.attributes).toMatchObject({ 'faas.trigger': 'other', 'scraping_run.status': 'error', 'error.type': 'FUNCTION_ERROR' })
      expect(failed!.status).toMatchObject({ code: 2, message: 'nope' })
      // An all-zero trace id is not a parent (W3C): the span is a root, with a trace id of its own.
      expect(invalidParent!.parentSpanContext).toBeUndefined()
      expect(invalidParent!.attributes['faas.coldstart']).toBe(false)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await executor.close()
    }
  })
})

/** The Prometheus text format's samples: `name{labels} value`, comments skipped. */
function parsePrometheus(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const samples = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not a Prometheus sample: ${line}`)
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1]!, label[2]!]))
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  return samples
}

describe('metricsSink (Prometheus)', () => {
  it('counts invocations, errors, cold starts and durations per function and trigger; the text parses', async () => {
    const metrics = await metricsSink()
    const executor = createExecutor({ store: memoryStore(FUNCTIONS), logSink: metrics, jwtSecret: 's' })
    for (let i = 0; i < 3; i++) await executor.invoke('hi')
    await executor.invoke('hi', { trigger: { kind: 'mcp', tool: 'hi' } })
    await executor.invoke('fails')
    await executor.invoke('missing')
    const samples = parsePrometheus(await metrics.metrics())
    const value = (name: string, labels: Record<string, string>) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value
    expect(value('scraping_run_invocations_total', { function: 'hi', trigger: 'invoke', status: 'ok' })).toBe(3)
    expect(value('scraping_run_invocations_total', { function: 'hi', trigger: 'mcp', status: 'ok' })).toBe(1)
    expect(value('scraping_run_invocations_total', { function: 'fails', trigger: 'invoke', status: 'error' })).toBe(1)
    expect(value('scraping_run_invocation_errors_total', { function: 'fails', code: 'FUNCTION_ERROR' })).toBe(1)
    expect(value('scraping_run_invocation_errors_total', { function: 'missing', code: 'FUNCTION_NOT_FOUND' })).toBe(1)
    expect(value('scraping_run_cold_starts_total', { function: 'hi', trigger: 'invoke' })).toBe(1)
    expect(value('scraping_run_cold_starts_total', { function: 'hi', trigger: 'mcp' })).toBeUndefined()
    expect(value('scraping_run_invocation_duration_seconds_count', { function: 'hi', trigger: 'invoke' })).toBe(3)
    expect(value('scraping_run_invocation_duration_seconds_bucket', { function: 'hi', trigger: 'invoke', le: '+Inf' })).toBe(3)

    const server: Server = createServer(createMetricsHandler({ metrics, executor }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    try {
      expect((await fetch(url)).status).toBe(401)
      const scraped = await fetch(url, { headers: { authorization: `Bearer ${executor.getToken({ type: 'admin' })}` } })
      expect(scraped.status).toBe(200)
      expect(scraped.headers.get('content-type')).toContain('text/plain')
      expect(parsePrometheus(await scraped.text()).length).toBe(samples.length)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await executor.close()
    }
  })

  it('adds to a registry you pass; a second sink on it with the same names is refused with BAD_REQUEST', async () => {
    const registry = new Registry()
    await metricsSink({ registry, prefix: 'app_' })
    expect(await registry.metrics()).toContain('app_invocations_total')
    await expect(metricsSink({ registry, prefix: 'app_' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(() => createMetricsHandler({ metrics: { metrics: async () => '', contentType: 'text/plain' } })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })
})

describe('optional peers', () => {
  const here = fileURLToPath(new URL('.', import.meta.url))

  it('a missing @opentelemetry/api or prom-client fails with MISSING_PEER naming the package', async () => {
    // Inside the package, so the peers resolve from its node_modules unless the hook hides them.
    const dir = await mkdtemp(join(here, '../node_modules/.peers-'))
    try {
      // The telemetry sources bundled as they ship, with the two peers left as imports; then run where they look uninstalled.
      const entry = join(dir, 'entry.ts')
      await writeFile(entry, `export { tracingSink } from ${JSON.stringify(join(here, '../src/logs/tracing.ts'))}\nexport { metricsSink } from ${JSON.stringify(join(here, '../src/logs/metrics.ts'))}\n`)
      const out = join(dir, 'telemetry.mjs')
      await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: out, external: ['@opentelemetry/api', 'prom-client'], alias: { '@scraping-run/cloud': join(here, '../../cloud-sdk/src/index.ts') }, logLevel: 'silent' })
      const script = `const m = await import(${JSON.stringify(out)}); const out = []; for (const f of [m.tracingSink, m.metricsSink]) { try { await f(); out.push('loaded') } catch (e) { out.push({ code: e.code, message: e.message }) } } console.log(JSON.stringify(out))`
      const run = (hide: string) =>
        promisify(execFile)(process.execPath, ['--import', join(here, 'fixtures/hide-peers.mjs'), '--input-type=module', '-e', script], { env: { ...process.env, HIDE_PEERS: hide }, cwd: here })
      const hidden = JSON.parse((await run('@opentelemetry/api,prom-client')).stdout)
      expect(hidden).toEqual([
        { code: 'MISSING_PEER', message: expect.stringContaining('"@opentelemetry/api"') },
        { code: 'MISSING_PEER', message: expect.stringContaining('"prom-client"') },
      ])
      // The same bundle loads both when they are installed: only configuring a sink imports its peer.
      expect(JSON.parse((await run('')).stdout)).toEqual(['loaded', 'loaded'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
