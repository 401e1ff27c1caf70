import { RuntimeError } from '../errors.js'
import { importPeer } from '../peer.js'
import type { InvocationLog, LogSink } from '../types.js'

/** The parts of a prom-client `Registry` used here. */
export interface MetricsRegistry {
  metrics(): Promise<string>
  readonly contentType: string
}

export interface MetricsSinkOptions {
  /** A prom-client `Registry` to add the metrics to (e.g. `register`, with your own). Default: a new one. */
  registry?: MetricsRegistry
  /** Metric name prefix. Default `scraping_run_`. */
  prefix?: string
  /** Duration histogram buckets, in seconds. */
  buckets?: number[]
}

export interface MetricsSink extends LogSink {
  readonly name: 'metrics'
  write(record: InvocationLog): void
  /** The Prometheus text exposition of the registry. */
  metrics(): Promise<string>
  readonly contentType: string
  readonly registry: MetricsRegistry
}

const DEFAULT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

interface PromClient {
  Registry: new () => MetricsRegistry
  Counter: new (config: object) => { inc(labels: Record<string, string>, value?: number): void }
  Histogram: new (config: object) => { observe(labels: Record<string, string>, value: number): void }
}

function createMetrics(client: PromClient, registry: MetricsRegistry, prefix: string, buckets: number[]) {
  const registers = [registry]
  return {
    invocations: new client.Counter({ name: `${prefix}invocations_total`, help: 'Invocations by function, trigger kind and status.', labelNames: ['function', 'trigger', 'status'], registers }),
    errors: new client.Counter({ name: `${prefix}invocation_errors_total`, help: 'Failed invocations by function, trigger kind and error code.', labelNames: ['function', 'trigger', 'code'], registers }),
    duration: new client.Histogram({ name: `${prefix}invocation_duration_seconds`, help: 'Invocation duration in seconds.', labelNames: ['function', 'trigger'], buckets, registers }),
    cold: new client.Counter({ name: `${prefix}cold_starts_total`, help: 'Invocations that had to compile or load the function.', labelNames: ['function', 'trigger'], registers }),
  }
}

/**
 * Prometheus metrics from the invocation records: invocations, errors, a duration histogram and cold starts, per function
 * and trigger kind. Needs the optional peer `prom-client`; a missing one fails with `MISSING_PEER`. Serve them with
 * `createMetricsHandler({metrics, …})`.
 */
export async function metricsSink(options: MetricsSinkOptions = {}): Promise<MetricsSink> {
  const loaded = await importPeer<PromClient & { default?: PromClient }>('prom-client', 'metricsSink')
  const client = loaded.default?.Registry ? loaded.default : loaded
  const registry = options.registry ?? new client.Registry()
  let metrics: ReturnType<typeof createMetrics>
  try {
    metrics = createMetrics(client, registry, options.prefix ?? 'scraping_run_', options.buckets ?? DEFAULT_BUCKETS)
  } catch (error) {
    // prom-client refuses a second metric of the same name in one registry: two metricsSink() on it.
    throw new RuntimeError('BAD_REQUEST', `metricsSink: ${(error as Error).message} (give each sink its own registry or prefix)`, { cause: error })
  }
  return {
    name: 'metrics',
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    write(record) {
      const labels = { function: record.functionName, trigger: record.trigger.kind }
      metrics.invocations.inc({ ...labels, status: record.status })
      if (record.error) metrics.errors.inc({ ...labels, code: record.error.code })
      if (record.cold) metrics.cold.inc(labels)
      metrics.duration.observe(labels, record.durationMs / 1000)
    },
  }
}
