import type { InvocationLog, LogSink } from '../types.js'

const MASK = '[redacted]'
// Shorter values would mask ordinary words; secrets are keys and passwords.
const MIN_LENGTH = 4

/** Replaces every occurrence of the given secret values in `text`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length >= MIN_LENGTH && out.includes(secret)) out = out.split(secret).join(MASK)
  return out
}

/**
 * A log sink that masks secret values (e.g. `() => live.secretValues()`) in every message, error message and stack
 * before handing the record to `sink`.
 */
export function redactingSink(sink: LogSink, secrets: () => readonly string[]): LogSink {
  return {
    write(record: InvocationLog) {
      const values = secrets()
      if (!values.length) return sink.write(record)
      const error = record.error && { ...record.error, message: redactText(record.error.message, values), ...(record.error.stack ? { stack: redactText(record.error.stack, values) } : {}) }
      return sink.write({ ...record, ...(error ? { error } : {}), logs: record.logs.map((log) => ({ ...log, message: redactText(log.message, values) })) })
    },
    close: () => sink.close?.(),
  }
}
