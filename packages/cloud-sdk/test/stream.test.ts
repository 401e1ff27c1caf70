import { describe, expect, it } from 'vitest'
import { awslambda, sse, sseEvent } from '@scraping-run/cloud'

describe('sseEvent', () => {
  it('formats id, event, retry, comment and multi-line data', () => {
    expect(sseEvent({ id: 7, event: 'token', retry: 1500, data: 'a\nb' })).toBe('id: 7\nevent: token\nretry: 1500\ndata: a\ndata: b\n\n')
    expect(sseEvent('hello')).toBe('data: hello\n\n')
    expect(sseEvent({ comment: 'ping' })).toBe(': ping\n\n')
  })

  it('sends data that is not a string, and an object without event keys, as JSON', () => {
    expect(sseEvent({ data: { n: 1 } })).toBe('data: {"n":1}\n\n')
    expect(sseEvent({ token: 'hi' } as never)).toBe('data: {"token":"hi"}\n\n')
  })

  it('keeps ids and event names on one line, and drops a retry that is not a number', () => {
    expect(sseEvent({ id: 'a\nb', event: 'x\ry', retry: Number.NaN, data: '' })).toBe('id: a b\nevent: x y\ndata: \n\n')
  })
})

describe('sse', () => {
  it('marks an iterable as text/event-stream and yields its items unchanged', async () => {
    const stream = sse(['a', { data: 1 }])
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8')
    const items: unknown[] = []
    for await (const each of stream) items.push(each)
    expect(items).toEqual(['a', { data: 1 }])
  })

  it('refuses what is not iterable', () => {
    expect(() => sse(42 as never)).toThrow(TypeError)
  })
})

describe('awslambda', () => {
  it('marks a handler with the symbol Lambda reads, and HttpResponseStream.from hands the prelude to the stream', () => {
    const handler = awslambda.streamifyResponse(async () => undefined)
    expect((handler as any)[Symbol.for('aws.lambda.runtime.handler.streaming')]).toBe('response')
    const seen: unknown[] = []
    const stream: any = { [Symbol.for('scraping-run.lambda.http-prelude')]: (prelude: unknown) => seen.push(prelude) }
    expect(awslambda.HttpResponseStream.from(stream, { statusCode: 201 })).toBe(stream)
    expect(seen).toEqual([{ statusCode: 201 }])
    expect(() => awslambda.streamifyResponse(1 as never)).toThrow(TypeError)
  })
})
