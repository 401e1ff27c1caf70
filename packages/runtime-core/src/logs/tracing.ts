import type { Context, Tracer } from '@opentelemetry/api'
import { importPeer } from '../peer.js'
import type { InvocationLog, LogSink } from '../types.js'

type OtelApi = typeof import('@opentelemetry/api')

export interface TracingSinkOptions {
  /** An OpenTelemetry tracer. Default: `trace.getTracer(tracerName)` of the global provider you registered. */
  tracer?: Tracer
  /** Default `@scraping-run/runtime-core`. */
  tracerName?: string
}

export interface TracingSink extends LogSink {
  readonly name: 'tracing'
  write(record: InvocationLog): void
}

// W3C trace context: version-traceid-parentid-flags; all-zero ids are invalid, version ff is forbidden.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

/** The span an incoming `traceparent` names, through the registered propagator, else parsed here (W3C format). */
function parentContext(api: OtelApi, traceparent: string | undefined): Context {
  if (!traceparent) return api.ROOT_CONTEXT
  const extracted = api.propagation.extract(api.ROOT_CONTEXT, { traceparent })
  if (api.trace.getSpanContext(extracted)) return extracted
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase())
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!) || /^0+$/.test(match[3]!)) return api.ROOT_CONTEXT
  return api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: match[2]!, spanId: match[3]!, traceFlags: Number.parseInt(match[4]!, 16), isRemote: true })
}

// OpenTelemetry's FaaS conventions know these trigger kinds; everything else is `other`.
const FAAS_TRIGGER: Record<string, string> = { http: 'http', cron: 'timer' }

function recordSpan(api: OtelApi, tracer: Tracer, record: InvocationLog): void {
  const start = record.startedAt.getTime()
  const span = tracer.startSpan(
    record.functionName,
    {
      kind: api.SpanKind.SERVER,
      startTime: start,
      attributes: {
        'faas.name': record.functionName,
        'faas.trigger': FAAS_TRIGGER[record.trigger.kind] ?? 'other',
        'faas.coldstart': record.cold,
        'faas.invocation_id': record.requestId,
        'scraping_run.trigger.kind': record.trigger.kind,
        'scraping_run.status': record.status,
      },
    },
    parentContext(api, record.traceparent),
  )
  if (record.error) {
    span.setAttribute('error.type', record.error.code)
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: record.error.message })
  }
  span.end(start + record.durationMs)
}

/**
 * One OpenTelemetry span per invocation (function, trigger kind, cold, status), parented by the call's `traceparent`
 * header, recorded when the invocation ends with its real start and end times. Needs the optional peer
 * `@opentelemetry/api` (and an SDK you configure); a missing one fails with `MISSING_PEER`.
 */
export async function tracingSink(options: TracingSinkOptions = {}): Promise<TracingSink> {
  const api = await importPeer<OtelApi>('@opentelemetry/api', 'tracingSink')
  // Its ESM build has named exports; `default` holds only the API singletons, not ROOT_CONTEXT or SpanKind.
  const otel = api
  const tracer = options.tracer ?? otel.trace.getTracer(options.tracerName ?? '@scraping-run/runtime-core')
  return {
    name: 'tracing',
    write: (record) => recordSpan(otel, tracer, record),
  }
}
