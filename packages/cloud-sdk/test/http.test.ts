// The shared body reader over a real HTTP server: encodings inflate, and the cap holds on the inflated size.
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJsonBody, readRawBody } from '@scraping-run/cloud/http'

const LIMIT = 1024
let server: Server
let port: number

beforeAll(async () => {
  server = createServer((req, res) => {
    readRawBody(req, LIMIT).then(
      (body) => res.end(JSON.stringify({ ok: true, text: body.toString('utf8') })),
      (error: Error & { code?: string }) => res.end(JSON.stringify({ ok: false, code: error.code, message: error.message })),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function send(body: Buffer, headers: Record<string, string> = {}): Promise<{ ok: boolean; text?: string; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('readRawBody', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('inflates %s', async (encoding, compress) => {
    expect(await send(compress(Buffer.from('{"hello":"world"}')), { 'content-encoding': encoding })).toEqual({ ok: true, text: '{"hello":"world"}' })
  })

  it('applies the cap to the inflated size, not the compressed one', async () => {
    const bomb = gzipSync(Buffer.alloc(LIMIT * 100, 'a'))
    expect(bomb.length).toBeLessThan(LIMIT)
    expect(await send(bomb, { 'content-encoding': 'gzip' })).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' })
  })

  it('refuses a declared length over the cap, and an unknown encoding', async () => {
    expect(await send(Buffer.alloc(LIMIT + 1, 'a'))).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' })
    expect(await send(Buffer.from('x'), { 'content-encoding': 'zstd' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
    expect(await send(Buffer.from('not gzip'), { 'content-encoding': 'gzip' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
  })
})

describe('readJsonBody', () => {
  let jsonServer: Server
  let jsonPort: number
  beforeAll(async () => {
    jsonServer = createServer((req, res) => {
      void readJsonBody(req, LIMIT).then((read) => {
        res.statusCode = 'error' in read ? read.status : 200
        res.end(JSON.stringify('error' in read ? { ok: false, code: read.code, message: read.error } : { ok: true, value: read.value === undefined ? '(undefined)' : read.value }))
      })
    })
    await new Promise<void>((resolve) => jsonServer.listen(0, '127.0.0.1', resolve))
    jsonPort = (jsonServer.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => jsonServer.close(() => resolve())))
  const post = async (body: Buffer, headers: Record<string, string> = {}) =>
    (await fetch(`http://127.0.0.1:${jsonPort}/`, { method: 'POST', body, headers })).json() as Promise<Record<string, unknown>>

  it('parses JSON (gzip too), gives undefined for an empty body, and refuses text that is not JSON or is over the cap', async () => {
    expect(await post(Buffer.from('{"a":[1,2]}'))).toEqual({ ok: true, value: { a: [1, 2] } })
    expect(await post(gzipSync(Buffer.from('{"z":true}')), { 'content-encoding': 'gzip' })).toEqual({ ok: true, value: { z: true } })
    expect(await post(Buffer.alloc(0))).toEqual({ ok: true, value: '(undefined)' })
    expect(await post(Buffer.from('{not json'))).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: 'the body is not valid JSON' })
    expect(await post(Buffer.from(JSON.stringify({ big: 'x'.repeat(LIMIT) })))).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' })
  })
})
