// Streaming helpers a function imports: Server-Sent Events and Lambda's `awslambda` global. Each function here is
// self-contained (no module-level helper, no import) because the isolate sandbox evaluates their source text inside
// the isolate: the same code runs in every sandbox.

/** One Server-Sent Event. An object with none of these keys is sent whole as JSON `data`. */
export interface SseEvent {
  data?: unknown
  id?: string | number
  event?: string
  /** Milliseconds the browser waits before reconnecting. */
  retry?: number
  comment?: string
}

/** An async iterable the runtime streams as `text/event-stream`, one event per item. */
export interface SseStream<T = SseEvent | string> extends AsyncIterable<T> {
  readonly contentType: 'text/event-stream; charset=utf-8'
}

/**
 * Formats one event as SSE text (`id:`, `event:`, `retry:`, `data:` lines, a blank line). A string is the event's data;
 * data that is not a string is sent as JSON; multi-line data becomes several `data:` lines.
 */
export function sseEvent(event: SseEvent | string): string {
  const known = ['data', 'id', 'event', 'retry', 'comment']
  const value: SseEvent = typeof event === 'string' ? { data: event } : event !== null && typeof event === 'object' && known.some((key) => key in event) ? event : { data: event }
  const oneLine = (text: unknown) => String(text).replace(/[\r\n]+/g, ' ')
  let out = ''
  if (value.comment !== undefined) for (const line of String(value.comment).split(/\r\n|\r|\n/)) out += `: ${line}\n`
  if (value.id !== undefined) out += `id: ${oneLine(value.id)}\n`
  if (value.event !== undefined) out += `event: ${oneLine(value.event)}\n`
  const retry = Number(value.retry)
  if (value.retry !== undefined && Number.isFinite(retry) && retry >= 0) out += `retry: ${Math.floor(retry)}\n`
  if (value.data !== undefined) {
    const text = typeof value.data === 'string' ? value.data : JSON.stringify(value.data)
    for (const line of String(text).split(/\r\n|\r|\n/)) out += `data: ${line}\n`
  }
  return `${out}\n`
}

/**
 * Marks events for streaming as Server-Sent Events: return `sse(source)` from a function and the runtime sends
 * `text/event-stream`, writing each item as an event as soon as it is produced.
 */
export function sse<T = SseEvent | string>(source: AsyncIterable<T> | Iterable<T>): SseStream<T> {
  if (source === null || typeof source !== 'object' || (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] !== 'function' && typeof (source as Iterable<T>)[Symbol.iterator] !== 'function')) {
    throw new TypeError('sse(source) expects an async iterable (an async generator) or an iterable of events')
  }
  return {
    contentType: 'text/event-stream; charset=utf-8',
    async *[Symbol.asyncIterator]() {
      yield* source as AsyncIterable<T>
    },
  }
}

/** The response stream a `streamifyResponse` handler writes to. */
export interface LambdaResponseStream {
  write(chunk: string | Uint8Array, callback?: () => void): boolean
  end(chunk?: string | Uint8Array, callback?: () => void): void
  setContentType(type: string): void
  on(event: 'drain' | 'finish' | 'close' | 'error', listener: (...args: unknown[]) => void): LambdaResponseStream
  once(event: 'drain' | 'finish' | 'close' | 'error', listener: (...args: unknown[]) => void): LambdaResponseStream
  readonly writable: boolean
  readonly writableEnded: boolean
}

/** `HttpResponseStream.from(stream, prelude)`: the status, headers and cookies sent before the first byte. */
export interface LambdaHttpPrelude {
  statusCode?: number
  headers?: Record<string, string | number | boolean>
  cookies?: string[]
}

export interface AwsLambdaGlobal {
  streamifyResponse<H extends (event: any, responseStream: LambdaResponseStream, context: any) => unknown>(handler: H): H
  HttpResponseStream: { from(stream: LambdaResponseStream, prelude: LambdaHttpPrelude): LambdaResponseStream }
}

/**
 * What Lambda's Node runtime puts in a function's scope as `awslambda`; the sandboxes provide it as a global too.
 * `streamifyResponse(handler)` marks a handler that streams; `HttpResponseStream.from` sets status and headers.
 */
export const awslambda: AwsLambdaGlobal = Object.freeze({
  streamifyResponse: function streamifyResponse(handler: any) {
    if (typeof handler !== 'function') throw new TypeError('awslambda.streamifyResponse(handler) expects a function')
    // The symbol Lambda's own runtime reads, so a handler marked by either is recognised.
    handler[Symbol.for('aws.lambda.runtime.handler.streaming')] = 'response'
    return handler
  },
  HttpResponseStream: Object.freeze({
    from: function from(stream: any, prelude: LambdaHttpPrelude) {
      const apply = stream?.[Symbol.for('scraping-run.lambda.http-prelude')]
      if (typeof apply === 'function') apply.call(stream, prelude ?? {})
      return stream
    },
  }),
}) as AwsLambdaGlobal
