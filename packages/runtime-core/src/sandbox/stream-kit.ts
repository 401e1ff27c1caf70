// What a sandbox does with a function's result before it leaves: stream an async iterable / ReadableStream result to
// the response, keep a call alive while it still writes to ctx.response, and call Lambda-style handlers. Each factory
// is self-contained (no import, nothing from module scope: what it needs comes in as arguments), because the isolate
// evaluates their source text: the same code runs in the vm sandbox (against the raw response or the facade) and
// inside an isolate (against the facade).

/** The part of a response (Node's ServerResponse or the bridged facade) the kit drives. */
export interface KitResponse {
  statusCode: number
  readonly headersSent: boolean
  readonly writableEnded: boolean
  setHeader(name: string, value: string | number | readonly string[]): unknown
  getHeader(name: string): unknown
  write(chunk: string | Uint8Array): boolean
  end(chunk?: string | Uint8Array): unknown
  once(event: string, listener: () => void): unknown
}

/** What the host computed for a Lambda-style call: the event, the context's data, and when the call times out. */
export interface PlainLambda {
  event: unknown
  context: Record<string, unknown>
  deadline: number
}

export interface StreamKit {
  /**
   * Whether `settle` has anything to do (checked synchronously, so plain results pay no extra await). `streaming`: the
   * sandbox saw something piped into the response.
   */
  pending(value: unknown, response: KitResponse | undefined, streaming?: boolean): boolean
  /** The result as it leaves the sandbox: a stream is written out (or collected without a response). */
  settle(value: unknown, response: KitResponse | undefined, signal: () => AbortSignal, streaming?: boolean): Promise<unknown>
  callLambda(fn: (...args: unknown[]) => unknown, lambda: PlainLambda, response: KitResponse | undefined, signal: () => AbortSignal): Promise<unknown>
}

/** Small helpers the other factories share. */
export function streamTools() {
  const isBytes = (value: any): boolean => ArrayBuffer.isView(value) || Object.prototype.toString.call(value) === '[object ArrayBuffer]'
  const asBytes = (value: any): Uint8Array => (ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value))
  const isStream = (value: any): boolean =>
    typeof value === 'object' && value !== null && !isBytes(value) && (typeof value[Symbol.asyncIterator] === 'function' || typeof value.getReader === 'function')
  /** Resolves on the first of these response events, or when the call is aborted. */
  const until = (response: KitResponse, events: string[], signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      for (const event of events) response.once(event, () => resolve())
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
  function iterate(value: any): AsyncIterator<unknown> {
    if (typeof value[Symbol.asyncIterator] === 'function') return value[Symbol.asyncIterator]()
    const reader = value.getReader()
    return {
      next: () => reader.read(),
      return: async () => {
        await Promise.resolve(reader.cancel()).catch(() => undefined)
        return { done: true, value: undefined }
      },
    }
  }
  return { isBytes, asBytes, isStream, until, iterate }
}

export type StreamTools = ReturnType<typeof streamTools>

/** `settle`: streams a stream-like result to the response (or collects it), or waits for a response still being written. */
export function createResultPipe(tools: StreamTools, sseEvent: (event: unknown) => string): Pick<StreamKit, 'settle' | 'pending'> {
  const { isBytes, asBytes, isStream, until, iterate } = tools
  function startHeaders(response: KitResponse, source: any, first: unknown): boolean {
    if (!response.headersSent) {
      const declared = typeof source.contentType === 'string' ? source.contentType : undefined
      if (declared || response.getHeader('content-type') === undefined) {
        response.setHeader('content-type', declared ?? (typeof first === 'string' ? 'text/plain; charset=utf-8' : isBytes(first) || first === undefined ? 'application/octet-stream' : 'application/x-ndjson'))
      }
    }
    const sse = /^text\/event-stream/i.test(String(response.getHeader('content-type') ?? ''))
    if (sse && !response.headersSent) {
      if (response.getHeader('cache-control') === undefined) response.setHeader('cache-control', 'no-cache')
      // Proxies such as nginx would otherwise hold the events back.
      response.setHeader('x-accel-buffering', 'no')
    }
    return sse
  }
  const chunkOf = (each: unknown, sse: boolean): string | Uint8Array => (isBytes(each) ? asBytes(each) : sse ? sseEvent(each) : typeof each === 'string' ? each : `${JSON.stringify(each)}\n`)

  async function pipe(source: any, response: KitResponse | undefined, signal: () => AbortSignal): Promise<unknown> {
    const iterator = iterate(source)
    if (!response) {
      // No HTTP response (cloud.invoke, cron, MCP): the stream is read to its end and its chunks returned.
      const chunks: unknown[] = []
      for (let step = await iterator.next(); !step.done; step = await iterator.next()) chunks.push(isBytes(step.value) ? asBytes(step.value) : step.value)
      return chunks
    }
    const abort = signal()
    let step = await iterator.next()
    const sse = startHeaders(response, source, step.done ? undefined : step.value)
    try {
      while (!step.done && !abort.aborted && !response.writableEnded) {
        // Backpressure: a full socket buffer pauses the producer until it drains (or the client goes away).
        if (!response.write(chunkOf(step.value, sse))) await until(response, ['drain'], abort)
        if (abort.aborted) break
        step = await iterator.next()
      }
    } finally {
      if (!step.done) await Promise.resolve(iterator.return?.()).catch(() => undefined)
    }
    if (!abort.aborted && !response.writableEnded) response.end()
    return undefined
  }

  // The function started the response (or, as LAF functions do, set chunkedEncoding or piped into it) and returned: it
  // keeps writing until end() (or the client goes away).
  const open = (response: KitResponse | undefined, streaming?: boolean): boolean =>
    Boolean(response && !response.writableEnded && (response.headersSent || streaming || (response as { chunkedEncoding?: unknown }).chunkedEncoding === true))
  async function settle(value: unknown, response: KitResponse | undefined, signal: () => AbortSignal, streaming?: boolean): Promise<unknown> {
    if (isStream(value)) return pipe(value, response, signal)
    if (open(response, streaming)) await until(response!, ['finish', 'close'], signal())
    return value
  }
  const pending = (value: unknown, response: KitResponse | undefined, streaming?: boolean): boolean => isStream(value) || open(response, streaming)
  return { settle, pending }
}

export interface LambdaStream {
  /** What a `streamifyResponse` handler gets as its `responseStream`. */
  stream: any
  /** Resolves once the handler ended the stream (or the client went away). */
  finished(): Promise<void>
  /** What was written, as text, when there is no HTTP response to write to. */
  text(): string
}

/** The `responseStream` of a streaming Lambda handler, over the response (or collecting, without one). */
export function createLambdaStreams(tools: StreamTools): (response: KitResponse | undefined, signal: AbortSignal) => LambdaStream {
  const { isBytes, asBytes } = tools
  const PRELUDE = Symbol.for('scraping-run.lambda.http-prelude')
  const ensureType = (response: KitResponse | undefined) => {
    if (response && !response.headersSent && response.getHeader('content-type') === undefined) response.setHeader('content-type', 'application/octet-stream')
  }
  // What HttpResponseStream.from hands over: status, headers and cookies, before the first byte.
  const applyPrelude = (response: KitResponse | undefined, prelude: { statusCode?: number; headers?: Record<string, unknown>; cookies?: string[] }) => {
    if (!response || response.headersSent) return
    if (prelude.statusCode !== undefined) response.statusCode = Number(prelude.statusCode)
    for (const [name, value] of Object.entries(prelude.headers ?? {})) response.setHeader(name, String(value))
    if (Array.isArray(prelude.cookies) && prelude.cookies.length) response.setHeader('set-cookie', prelude.cookies.map(String))
  }
  return (response, signal) => {
    const collected: Array<string | Uint8Array> = []
    const listeners = new Map<string, Array<() => void>>()
    let ended = false
    const emit = (event: string) => {
      const list = listeners.get(event) ?? []
      listeners.delete(event)
      for (const listener of list) listener()
    }
    const write = (chunk: any): boolean => {
      if (ended || signal.aborted) return false
      const data = typeof chunk === 'string' ? chunk : isBytes(chunk) ? asBytes(chunk) : String(chunk)
      if (!response) return collected.push(data) > 0
      ensureType(response)
      return response.write(data)
    }
    const stream: any = {
      get writable() { return !ended && !signal.aborted },
      get writableEnded() { return ended },
      get destroyed() { return signal.aborted },
      setContentType: (type: string) => response && !response.headersSent && response.setHeader('content-type', String(type)),
      write(chunk: any, encoding?: any, callback?: any) {
        const ok = write(chunk)
        ;(typeof encoding === 'function' ? encoding : callback)?.()
        return ok
      },
      end(chunk?: any, encoding?: any, callback?: any) {
        if (chunk !== undefined && typeof chunk !== 'function') write(chunk)
        if (!ended) {
          ended = true
          ensureType(response)
          if (response && !signal.aborted && !response.writableEnded) response.end()
          emit('finish')
          emit('close')
        }
        ;[chunk, encoding, callback].find((each) => typeof each === 'function')?.()
        return stream
      },
      on(event: string, listener: () => void) {
        if (event === 'drain' && response) response.once('drain', listener)
        else listeners.set(event, [...(listeners.get(event) ?? []), listener])
        return stream
      },
      [PRELUDE]: (prelude: any) => applyPrelude(response, prelude ?? {}),
    }
    stream.once = stream.addListener = stream.on
    stream.off = stream.removeListener = () => stream
    signal.addEventListener('abort', () => emit('close'), { once: true })
    return {
      stream,
      finished: () => (ended || signal.aborted ? Promise.resolve() : new Promise<void>((resolve) => stream.on('close', resolve))),
      text: () => collected.map((each) => (typeof each === 'string' ? each : new TextDecoder().decode(each))).join(''),
    }
  }
}

/** `callLambda`: a handler called as Lambda calls it — `(event, context)`, `(event, context, callback)` or streaming. */
export function createLambdaCaller(streams: ReturnType<typeof createLambdaStreams>): StreamKit['callLambda'] {
  return async (fn, lambda, response, signal) => {
    const context: Record<string, unknown> = {
      ...lambda.context,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, lambda.deadline - Date.now()),
    }
    if ((fn as any)[Symbol.for('aws.lambda.runtime.handler.streaming')] === 'response') {
      const out = streams(response, signal())
      await fn(lambda.event, out.stream, context)
      // Like Lambda, the stream stays open after the handler returns, until end() (or the client goes away).
      await out.finished()
      return response ? undefined : out.text()
    }
    return new Promise((resolve, reject) => {
      let settled = false
      const callback = (error?: unknown, result?: unknown) => {
        if (settled) return
        settled = true
        if (error !== undefined && error !== null) reject(error)
        else resolve(result)
      }
      Object.assign(context, { done: callback, succeed: (result: unknown) => callback(null, result), fail: (error: unknown) => callback(error ?? new Error('context.fail')) })
      let returned: any
      try {
        returned = fn(lambda.event, context, callback)
      } catch (error) {
        return callback(error)
      }
      // A callback-style handler (three parameters) answers through the callback; an async one through its promise.
      if (returned && typeof returned.then === 'function') {
        returned.then(
          (value: unknown) => (value !== undefined || fn.length < 3) && callback(null, value),
          (error: unknown) => callback(error ?? new Error('the handler rejected')),
        )
      } else if (fn.length < 3) callback(null, returned)
    })
  }
}

/**
 * Everything above, put together (the isolate's prelude puts the same pieces together from their source). `wrap`
 * turns the response stream into the sandbox's own kind of stream (vm: a Node Writable, so `pipeline()` works).
 */
export function createStreamKit(sseEvent: (event: unknown) => string, wrap?: (stream: any, signal: AbortSignal) => any): StreamKit {
  const tools = streamTools()
  const streams = createLambdaStreams(tools)
  const wrapped: typeof streams = wrap ? (response, signal) => {
    const out = streams(response, signal)
    return { ...out, stream: wrap(out.stream, signal) }
  } : streams
  return { ...createResultPipe(tools, sseEvent), callLambda: createLambdaCaller(wrapped) }
}
