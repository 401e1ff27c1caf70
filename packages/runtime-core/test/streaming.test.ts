// Streaming from any function, in every sandbox on both Express majors: events reach the client while the function
// still runs (it waits on a gate the test opens only after reading the first event), disconnects abort ctx.signal,
// and a slow reader pauses the producer.
import { afterEach, describe, expect, it } from 'vitest'
import { json, serve, type Served } from './helpers.js'
import { MATRIX } from './sandboxes.js'

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

// The function side of the gate: waits until POST /fn/open has run (no time involved in what the test asserts).
const GATE = `import cloud from '@scraping-run/cloud'
const gate = async () => { while (!cloud.shared.get('open')) await new Promise((resolve) => setTimeout(resolve, 5)) }`

const FUNCTIONS = [
  { name: 'open', source: 'import cloud from "@scraping-run/cloud"\nexport default () => { cloud.shared.set("open", true); return "opened" }' },
  { name: 'check', source: 'import cloud from "@scraping-run/cloud"\nexport default () => ({ aborted: cloud.shared.get("aborted") ?? null, produced: cloud.shared.get("produced") ?? 0 })' },
  {
    name: 'chat',
    source: `${GATE}
import { sse } from '@scraping-run/cloud'
export default () => sse((async function* () {
  yield { id: 1, event: 'token', data: 'hello' }
  await gate()
  yield { id: 2, event: 'token', data: 'world', retry: 1000 }
  yield 'done'
})())`,
  },
  {
    name: 'writer',
    source: `${GATE}
export default (ctx: any) => {
  ctx.response.setHeader('content-type', 'text/plain; charset=utf-8')
  ctx.response.write('one ')
  // Returns now; keeps writing until end().
  gate().then(() => { ctx.response.write('two ') ; ctx.response.end('three') })
}`,
  },
  {
    name: 'generator',
    source: `${GATE}
export default async function* (ctx: any) {
  ctx.response.setHeader('content-type', 'text/event-stream')
  yield { token: 'a' }
  await gate()
  yield { token: 'b' }
}`,
  },
  { name: 'readable', source: 'export default () => new ReadableStream({ start(c: any) { c.enqueue("x"); c.enqueue("y"); c.close() } })' },
  { name: 'lines', source: 'export default async function* () { yield { n: 1 }; yield { n: 2 } }' },
  { name: 'collected', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.invoke("lines")' },
  {
    name: 'forever',
    source: `import cloud from '@scraping-run/cloud'
import { sse } from '@scraping-run/cloud'
export default (ctx: any) => sse((async function* () {
  yield 'first'
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
  cloud.shared.set('aborted', ctx.signal.reason.code)
})())`,
  },
  {
    name: 'flood',
    source: `import cloud from '@scraping-run/cloud'
export default async function* () {
  const chunk = 'x'.repeat(512 * 1024)
  for (let i = 1; i <= 64; i++) { cloud.shared.set('produced', i); yield chunk }
}`,
  },
  {
    name: 'lambdaStream',
    source: `${GATE}
export const handler = awslambda.streamifyResponse(async (event: any, responseStream: any, context: any) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'content-type': 'text/event-stream', 'x-fn': context.functionName } })
  responseStream.write('data: one\\n\\n')
  await gate()
  responseStream.write('data: two\\n\\n')
  responseStream.end()
})`,
  },
  {
    name: 'lambdaImported',
    source: `import { awslambda as lambda } from '@scraping-run/cloud'
export const handler = lambda.streamifyResponse(async (event: any, stream: any) => { stream.setContentType('text/plain'); stream.write('via import'); stream.end() })`,
  },
  {
    // As in aws-samples' streaming patterns: Node's pipeline() into responseStream (vm only: an isolate has no node:stream).
    name: 'lambdaPipeline',
    source: `import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
export const handler = awslambda.streamifyResponse(async (event: any, responseStream: any) => {
  responseStream.setContentType('text/plain')
  await pipeline(Readable.from(['piped ', 'through ', 'node']), responseStream)
})`,
  },
  {
    // LAF's way: chunkedEncoding, then writes from a callback after the function returned.
    name: 'chunked',
    source: 'export default (ctx: any) => { ctx.response.chunkedEncoding = true; ctx.response.setHeader("content-type", "text/plain"); setTimeout(() => { ctx.response.write("later "); ctx.response.end("done") }, 20) }',
  },
  {
    // LAF's file streaming sample: a readable piped into ctx.response, data coming after the function returned (vm).
    name: 'piped',
    source: `import { Readable } from 'node:stream'
export default (ctx: any) => {
  const source = new Readable({ read() {} })
  ctx.response.setHeader('content-type', 'text/plain')
  source.pipe(ctx.response)
  setTimeout(() => { source.push('piped '); source.push('later'); source.push(null) }, 20)
}`,
  },
  { name: 'unended', source: 'export default (ctx: any) => { ctx.response.write("started") }', timeoutMs: 300 },
  { name: 'lambdaCollected', source: 'import cloud from "@scraping-run/cloud"\nexport default () => cloud.invoke("lambdaImported")' },
]

/** Reads from a streamed response until `text` has arrived; returns everything read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, seen = ''): Promise<string> {
  const decoder = new TextDecoder()
  while (!seen.includes(text)) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`the stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(seen)}`)
    seen += decoder.decode(value, { stream: true })
  }
  return seen
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, seen: string): Promise<string> {
  const decoder = new TextDecoder()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return seen
    seen += decoder.decode(value, { stream: true })
  }
}

async function poll(base: string, until: (state: any) => boolean): Promise<any> {
  let state: any
  for (let i = 0; i < 400; i++) {
    state = await json(await fetch(`${base}/fn/check`))
    if (until(state)) return state
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return state
}

describe.each(MATRIX)('streaming: %s', (label, sandbox, express) => {
  const start = () => serve(express, FUNCTIONS, { executor: { sandbox: sandbox() } })

  it('sse() sends each event as it is produced, before the function finishes', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/chat`)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    const reader = response.body!.getReader()
    // The generator cannot get past its gate yet: this first event was sent while it was still running.
    const first = await readUntil(reader, '\n\n')
    expect(first).toBe('id: 1\nevent: token\ndata: hello\n\n')
    await fetch(`${served.base}/fn/open`)
    expect(await readAll(reader, first)).toBe('id: 1\nevent: token\ndata: hello\n\nid: 2\nevent: token\nretry: 1000\ndata: world\n\ndata: done\n\n')
  })

  it('keeps ctx.response open after the function returns, until end()', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/writer`)
    const reader = response.body!.getReader()
    const first = await readUntil(reader, 'one ')
    await fetch(`${served.base}/fn/open`)
    expect(await readAll(reader, first)).toBe('one two three')
  })

  it('streams an async generator as SSE when the function set text/event-stream, and a ReadableStream result', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/generator`)
    const reader = response.body!.getReader()
    const first = await readUntil(reader, '\n\n')
    expect(first).toBe('data: {"token":"a"}\n\n')
    await fetch(`${served.base}/fn/open`)
    expect(await readAll(reader, first)).toBe('data: {"token":"a"}\n\ndata: {"token":"b"}\n\n')
    const readable = await fetch(`${served.base}/fn/readable`)
    expect([readable.headers.get('content-type'), await readable.text()]).toEqual(['text/plain; charset=utf-8', 'xy'])
  })

  it('sends objects as JSON lines, and gives cloud.invoke the chunks of a stream', async () => {
    served = await start()
    const lines = await fetch(`${served.base}/fn/lines`)
    expect([lines.headers.get('content-type'), await lines.text()]).toEqual(['application/x-ndjson', '{"n":1}\n{"n":2}\n'])
    expect(await json(await fetch(`${served.base}/fn/collected`))).toEqual([{ n: 1 }, { n: 2 }])
  })

  it('aborts ctx.signal when the client disconnects mid-stream', async () => {
    served = await start()
    const controller = new AbortController()
    const response = await fetch(`${served.base}/fn/forever`, { signal: controller.signal })
    await readUntil(response.body!.getReader(), 'data: first\n\n')
    controller.abort()
    expect(await poll(served.base, (state) => state.aborted !== null)).toMatchObject({ aborted: 'ABORTED' })
  })

  it('pauses the producer while the client does not read (backpressure), and sends everything once it does', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/flood`)
    const reader = response.body!.getReader()
    await reader.read()
    // Wait until production stops moving: with backpressure it stalls well before the end; without, it runs to 64.
    let last = -1
    let state = await json(await fetch(`${served.base}/fn/check`))
    for (let i = 0; i < 200 && state.produced !== last; i++) {
      last = state.produced
      await new Promise((resolve) => setTimeout(resolve, 50))
      state = await json(await fetch(`${served.base}/fn/check`))
    }
    expect(state.produced).toBeLessThan(64)
    let bytes = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
    }
    expect(bytes).toBeGreaterThan(60 * 512 * 1024)
    expect((await json(await fetch(`${served.base}/fn/check`))).produced).toBe(64)
  })

  it('streams an awslambda.streamifyResponse handler with the status and headers of HttpResponseStream.from', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/lambdaStream`)
    expect([response.status, response.headers.get('content-type'), response.headers.get('x-fn')]).toEqual([201, 'text/event-stream', 'lambdaStream'])
    const reader = response.body!.getReader()
    const first = await readUntil(reader, 'data: one\n\n')
    await fetch(`${served.base}/fn/open`)
    expect(await readAll(reader, first)).toBe('data: one\n\ndata: two\n\n')
    const imported = await fetch(`${served.base}/fn/lambdaImported`)
    expect([imported.headers.get('content-type'), await imported.text()]).toEqual(['text/plain', 'via import'])
    expect(await (await fetch(`${served.base}/fn/lambdaCollected`)).text()).toBe("via import")
  })

  it.skipIf(!label.startsWith('vmSandbox'))('gives a vm streaming handler a Node Writable, so pipeline() into it works', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/lambdaPipeline`)
    expect([response.headers.get('content-type'), await response.text()]).toEqual(['text/plain', 'piped through node'])
  })

  it('ends a stream that outlives its timeoutMs (the connection does not hang)', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/unended`)
    expect([response.status, await response.text()]).toEqual([200, 'started'])
  })

  it('waits for a function that set chunkedEncoding (as LAF functions do) to end the response', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/chunked`)
    expect([response.status, await response.text()]).toEqual([200, 'later done'])
  })

  it.skipIf(label !== 'vmSandbox on express 4' && label !== 'vmSandbox on express 5')('waits for a stream piped into the raw ctx.response (LAF file streaming)', async () => {
    served = await start()
    const response = await fetch(`${served.base}/fn/piped`)
    expect([response.status, await response.text()]).toEqual([200, 'piped later'])
  })
})
