// The host survives any function: each case ends its own invocation with a clean JSON 500, is logged under the
// function's name, and the next request is served.
import { afterEach, describe, expect, it } from 'vitest'
import { memorySink } from '@scraping-run/runtime-core'
import { EXPRESS_VERSIONS, serve, type Served } from './helpers.js'

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

const HANG = 'await new Promise(() => {})'
const HOSTILE = [
  // An 'error' event nobody listens to, on a stream piped into the response (LAF logs it and keeps serving).
  ['stream error event', `import { createReadStream } from 'node:fs'\nexport default async (ctx: any) => { createReadStream('/no/such/file').pipe(ctx.response); ${HANG} }`],
  ['emitter error event', `import { EventEmitter } from 'node:events'\nexport default async () => { const e = new EventEmitter(); setImmediate(() => e.emit('error', new Error('emitter boom'))); ${HANG} }`],
  ['throw in a timer', `export default async () => { setTimeout(() => { throw new Error('timer boom') }, 1); ${HANG} }`],
  ['throw in an fs callback', `import { readFile } from 'node:fs'\nexport default async () => { readFile('/no/such/file', (error) => { throw error }); ${HANG} }`],
  ['throw in a stream data callback', `import { createReadStream } from 'node:fs'\nexport default async () => { createReadStream(process.execPath ?? '/bin/sh', { end: 10 }).on('data', () => { throw new Error('data boom') }); ${HANG} }`],
  ['throw in a nextTick', `export default async () => { process.nextTick(() => { throw new Error('tick boom') }); ${HANG} }`],
  ['thrown value whose getters throw', `export default () => { throw { get message() { throw new Error('getter') }, get stack() { throw new Error('getter') }, get name() { throw new Error('getter') } } }`],
  ['thrown Proxy that throws on every access', `const trap = () => { throw new Error('trap') }\nexport default () => { throw new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap }) }`],
  ['returned Proxy that throws on every access', `const trap = () => { throw new Error('trap') }\nexport default () => new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap })`],
  ['toJSON that throws', `export default () => ({ toJSON() { throw new Error('toJSON boom') } })`],
  ['then getter that throws', `export default () => ({ get then() { throw new Error('then getter') } })`],
  ['then that throws', `export default () => ({ then() { throw new Error('then boom') } })`],
] as const

describe.each(EXPRESS_VERSIONS)('the host survives hostile functions on %s', (_label, express) => {
  it.each(HOSTILE)('%s: a JSON 500 FUNCTION_ERROR, logged under the function, and the next request is served', async (_case, source) => {
    const sink = memorySink()
    served = await serve(
      express,
      [
        { name: 'hostile', source, timeoutMs: 5000 },
        { name: 'ok', source: 'export default () => ({ alive: true })' },
      ],
      { executor: { logSink: sink } },
    )
    const response = await fetch(`${served.base}/fn/hostile`, { method: 'POST' })
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toEqual({ error: expect.any(String), code: 'FUNCTION_ERROR', requestId: response.headers.get('x-request-id') })
    expect(body).not.toHaveProperty('stack')
    const ok = await fetch(`${served.base}/fn/ok`, { method: 'POST' })
    expect([ok.status, await ok.json()]).toEqual([200, { alive: true }])
    const record = sink.records.find((each) => each.functionName === 'hostile')
    // Results that only fail while being sent are the HTTP adapter's to report; everything else is in the record.
    if (!/toJSON|returned Proxy/.test(_case)) expect(record).toMatchObject({ status: 'error', error: { code: 'FUNCTION_ERROR' } })
  })
})
