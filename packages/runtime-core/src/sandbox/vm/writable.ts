import { Writable } from 'node:stream'

const PRELUDE = Symbol.for('scraping-run.lambda.http-prelude')

/**
 * A streaming Lambda handler's `responseStream` as a real Node Writable in the vm sandbox, so `pipeline(source,
 * responseStream)` and `source.pipe(responseStream)` work as on Lambda. Backpressure and the client going away pass through.
 */
export function toNodeWritable(inner: any, signal: AbortSignal): Writable {
  const writable = new Writable({
    write(chunk: Uint8Array, _encoding, done) {
      // After a disconnect writes are dropped; the destroy below ends a pipeline (an 'error' here would have no listener).
      if (inner.write(chunk) || signal.aborted) done()
      else inner.once('drain', () => done())
    },
    final(done) {
      inner.end()
      done()
    },
    destroy(error, done) {
      if (!inner.writableEnded) inner.end()
      done(error)
    },
  })
  signal.addEventListener('abort', () => writable.destroy(), { once: true })
  Object.assign(writable, {
    setContentType: (type: string) => inner.setContentType(type),
    [PRELUDE]: (prelude: unknown) => inner[PRELUDE](prelude),
  })
  return writable
}
