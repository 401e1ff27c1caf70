import type { InvocationLog, LogSink, SinkErrorHandler } from '../types.js'

const WARN_EVERY_MS = 60_000
// Per sink object, not per executor: a sink shared by several executors still warns once a minute.
const lastWarned = new WeakMap<LogSink, number>()

/** The default `onSinkError`: a warning naming the sink, at most once per sink per minute. */
export const warnSinkError: SinkErrorHandler = (error, sink) => {
  const now = Date.now()
  const last = lastWarned.get(sink)
  if (last !== undefined && now - last < WARN_EVERY_MS) return
  lastWarned.set(sink, now)
  const message = error instanceof Error ? error.message : String(error)
  console.warn(`[scraping-run] log sink ${sink.name ?? '(unnamed)'} failed: ${message} (further failures of this sink are not shown for a minute)`)
}

function report(onError: SinkErrorHandler, error: unknown, sink: LogSink, record?: InvocationLog): void {
  try {
    onError(error, sink, record)
  } catch {
    // A throwing error hook must not fail the invocation either.
  }
}

function writeOne(sink: LogSink, record: InvocationLog, onError: SinkErrorHandler): void {
  try {
    const written = sink.write(record)
    if (written && typeof (written as Promise<void>).then === 'function') {
      ;(written as Promise<void>).then(undefined, (error: unknown) => report(onError, error, sink, record))
    }
  } catch (error) {
    report(onError, error, sink, record)
  }
}

/** Hands one record to every sink. Never throws, never waits: a sink's failure goes to `onError`. */
export function dispatchLog(sinks: LogSink | LogSink[] | undefined, record: InvocationLog, onError: SinkErrorHandler = warnSinkError): void {
  if (!sinks) return
  if (Array.isArray(sinks)) for (const sink of sinks) writeOne(sink, record, onError)
  else writeOne(sinks, record, onError)
}

/** Closes every sink (flushing batched ones), all at once; a failure goes to `onError`, the others still close. */
export async function closeSinks(sinks: LogSink | LogSink[] | undefined, onError: SinkErrorHandler = warnSinkError): Promise<void> {
  if (!sinks) return
  const list = Array.isArray(sinks) ? sinks : [sinks]
  await Promise.all(
    list.map(async (sink) => {
      try {
        await sink.close?.()
      } catch (error) {
        report(onError, error, sink)
      }
    }),
  )
}
