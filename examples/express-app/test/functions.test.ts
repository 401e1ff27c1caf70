import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createTokenHelpers } from '@scraping-run/cloud'
import { serveFeatures, type Route } from './helpers.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mongoFeature } from '../src/features/mongo.js'
import { storageFeature } from '../src/features/storage.js'
import { DEV_JWT_SECRET, functionsFeature } from '../src/features/functions.js'

// The functions feature with the services it uses (embedded MongoDB, s3rver), in a real Express app on a real port.
const run = promisify(execFile)
const tokens = createTokenHelpers(DEV_JWT_SECRET)
const auth = { authorization: `Bearer ${tokens.getToken({ uid: 'tester' })}` }
let served: Awaited<ReturnType<typeof serveFeatures>>
let base: string
let routes: Route[]
let services: Record<string, any>

beforeAll(async () => {
  served = await serveFeatures([mongoFeature, storageFeature, functionsFeature], {})
  ;({ base, routes, services } = served)
}, 60_000)

afterAll(() => served?.close())

const call = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${base}/fn/${path}`, init)
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}
const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  call(path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('functions feature', () => {
  it('exposes the executor and the dev secret to later features', () => {
    expect(services.jwtSecret).toBe(DEV_JWT_SECRET)
    expect(typeof services.executor.invoke).toBe('function')
  })

  it('runs the functions in the isolate sandbox (this config passes --no-node-snapshot) and says so', () => {
    expect(services.executor.sandbox.kind).toBe('isolate')
    expect(routes.find((route) => route.method === 'SANDBOX')?.what).toMatch(/^isolateSandbox/)
  })

  it('hello greets a caller with a token; the interceptor answers 401 without one and lets cron triggers in', async () => {
    expect(await post('hello', { name: 'Ada' })).toEqual({ status: 200, body: { message: 'Hello, Ada!', user: 'tester', via: 'http' } })
    const anonymous = await post('hello', { name: 'Ada' }, {})
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.function).toBe('hello')
    const cron = await post('hello', {}, { 'x-scraping-run-trigger-token': tokens.getToken({ type: 'trigger' }) })
    expect(cron).toEqual({ status: 200, body: { message: 'Hello, world!', user: null, via: 'cron' } })
  })

  it('echo validates its input', async () => {
    expect(await post('echo', { message: 'hi', repeat: 2 })).toEqual({ status: 200, body: { echo: 'hi hi' } })
    const bad = await post('echo', { message: '', repeat: 9 })
    expect(bad.status).toBe(400)
    expect(bad.body.problems).toEqual(['message must have 1 to 500 characters', 'repeat must be a whole number from 1 to 5'])
    expect((await call('echo', { headers: auth })).status).toBe(405)
  })

  it('chain calls other functions through cloud.invoke', async () => {
    expect(await post('chain', { name: 'Grace' })).toEqual({ status: 200, body: { greeting: 'Hello, Grace!', echoed: 'Hello, Grace! Hello, Grace!' } })
  })

  it('visits counts in the embedded MongoDB', async () => {
    const page = `p${Date.now()}`
    expect((await call(`visits?page=${page}`, { headers: auth })).body).toEqual({ page, count: 1 })
    expect((await call(`visits?page=${page}`, { headers: auth })).body).toEqual({ page, count: 2 })
    expect(await services.mongo.db.collection('visits').findOne({ _id: page })).toMatchObject({ count: 2 })
  })

  it('files writes, reads and lists notes in S3', async () => {
    expect(await post('files', { name: 'demo-test.txt', text: 'remember this' })).toEqual({ status: 200, body: { saved: 'demo-test.txt', bytes: 13 } })
    const read = await fetch(`${base}/fn/files?name=demo-test.txt`, { headers: auth })
    expect(await read.text()).toBe('remember this')
    expect((await call('files', { headers: auth })).body.notes).toContainEqual({ name: 'demo-test.txt', size: 13 })
    expect((await post('files', { name: '../escape', text: 'x' })).status).toBe(400)
  })

  it('prints curl lines that work as printed', async () => {
    const lines = routes.filter((route) => route.path.startsWith('/fn/') && route.try)
    expect(lines.length).toBeGreaterThanOrEqual(6)
    for (const route of lines) {
      const { stdout } = await run('sh', ['-c', route.try!.replaceAll('$BASE', base)])
      expect(stdout, route.try).toMatch(/\S/)
      expect(stdout, route.try).not.toMatch(/"code":"(FUNCTION_ERROR|TIMEOUT|FUNCTION_NOT_FOUND)"/)
    }
  })

  it('serves an OpenAPI document of its functions at /fn/_/openapi.json, for token holders', async () => {
    expect((await fetch(`${base}/fn/_/openapi.json`)).status).toBe(401)
    const route = routes.find((each) => each.path === '/fn/_/openapi.json')!
    const { stdout } = await run('sh', ['-c', route.try!.replaceAll('$BASE', base)])
    const document = JSON.parse(stdout)
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/hello', '/echo', '/chain']))
    expect(document.paths['/hello'].post.security).toEqual([{ bearerAuth: [] }])
  })

  it('keeps each invocation in MongoDB, one curl line away by its request id (admin tokens only)', async () => {
    const route = routes.find((each) => each.path === '/logs/<request id>')!
    const { stdout } = await run('sh', ['-c', route.try!.replaceAll('$BASE', base)])
    const { logs } = JSON.parse(stdout)
    // The demo runs its functions isolated, so the record also says which isolate served the call and its heap.
    expect(logs).toEqual([expect.objectContaining({ functionName: 'hello', requestId: 'demo-1', status: 'ok', isolate: expect.any(String) })])
    expect((await fetch(`${base}/logs/demo-1`)).status).toBe(401)
  })
})
