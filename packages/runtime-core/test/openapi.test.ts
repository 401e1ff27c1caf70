import { Validator } from '@seriousme/openapi-schema-validator'
import { afterEach, describe, expect, it } from 'vitest'
import { buildOpenApiDocument, isolateSandbox, isolateUnavailableReason, memoryStore, type FunctionRecordInput } from '@scraping-run/runtime-core'
import { EXPRESS_VERSIONS, json, serve, type Served } from './helpers.js'

const ORDERS = `
export const meta = {
  title: 'Create an order',
  description: 'Stores an order and returns its id',
  tags: ['orders'],
  inputSchema: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } }, required: ['sku'] },
  outputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
}
export default async function (ctx) { return { id: 'o-' + ctx.body.sku } }
`
const SEARCH = `
export const meta = { inputSchema: { type: 'object', properties: { q: { type: 'string', description: 'words to find' } }, required: ['q'] } }
export default async function (ctx) { return { q: ctx.query.q } }
`
const FUNCTIONS: FunctionRecordInput[] = [
  { name: 'orders/create', source: ORDERS, methods: ['POST'] },
  { name: 'search', source: SEARCH, methods: ['GET'] },
  { name: 'hello', source: 'export default async () => "hi"' },
  { name: 'broken', source: 'export default async () => {' },
]
const INTERCEPTOR: FunctionRecordInput = { name: '__interceptor__', source: 'export default async (ctx, next) => ctx.user ? next() : { refused: true }' }

async function validate(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const validator = new Validator()
  return validator.validate(document as Parameters<Validator["validate"]>[0])
}

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

describe.each(EXPRESS_VERSIONS)('the OpenAPI document over HTTP on %s', (_label, express) => {
  it('is off unless asked for', async () => {
    served = await serve(express, FUNCTIONS)
    const response = await fetch(`${served.base}/fn/_/openapi.json`)
    expect(response.status).toBe(404)
  })

  it('lists each function with its methods, body and output schemas and metadata, and validates as OpenAPI 3.1', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { openapi: { title: 'Shop', version: '2.1.0' } } })
    const response = await fetch(`${served.base}/fn/_/openapi.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    const document = await json(response)
    expect(await validate(document)).toEqual({ valid: true })
    expect(document).toMatchObject({ openapi: '3.1.0', info: { title: 'Shop', version: '2.1.0' }, servers: [{ url: '/fn' }] })
    expect(Object.keys(document.paths).sort()).toEqual(['/hello', '/orders/create', '/search'])
    const create = document.paths['/orders/create']
    expect(Object.keys(create)).toEqual(['post'])
    expect(create.post).toMatchObject({
      summary: 'Create an order',
      description: 'Stores an order and returns its id',
      tags: ['orders'],
      requestBody: { required: true, content: { 'application/json': { schema: { required: ['sku'] } } } },
      responses: { '200': { content: { 'application/json': { schema: { required: ['id'] } } } } },
    })
    expect(create.post.security).toBeUndefined()
    expect(document.paths['/search'].get.parameters).toEqual([{ name: 'q', in: 'query', required: true, schema: { type: 'string', description: 'words to find' }, description: 'words to find' }])
    expect(Object.keys(document.paths['/hello']).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put'])
    // The document describes what the functions really answer.
    const created = await fetch(`${served.base}/fn/orders/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"a1"}' })
    expect(await json(created)).toEqual({ id: 'o-a1' })
  })

  it('updates live when a function is added, changed or removed', async () => {
    const store = memoryStore(FUNCTIONS)
    served = await serve(express, [], { executor: { store }, middleware: { openapi: true } })
    const paths = async () => Object.keys((await json(await fetch(`${served!.base}/fn/_/openapi.json`))).paths).sort()
    expect(await paths()).toEqual(['/hello', '/orders/create', '/search'])
    await store.set({ name: 'late', source: 'export const meta = { description: "added later" }\nexport default async () => 1' })
    await store.delete('hello')
    await expect.poll(paths).toEqual(['/late', '/orders/create', '/search'])
    const document = await json(await fetch(`${served.base}/fn/_/openapi.json`))
    expect(document.paths['/late'].get.description).toBe('added later')
  })

  it('with an __interceptor__, marks operations as bearer-protected and wants a valid token to be read', async () => {
    served = await serve(express, [...FUNCTIONS, INTERCEPTOR], { middleware: { openapi: { path: '/docs/openapi.json' } } })
    const url = `${served.base}/fn/docs/openapi.json`
    const refused = await fetch(url)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')
    expect(await json(refused)).toMatchObject({ code: 'UNAUTHORIZED' })
    expect((await fetch(url, { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401)
    const token = served.executor.getToken({ uid: 'u1' })
    const document = await json(await fetch(url, { headers: { authorization: `Bearer ${token}` } }))
    expect(await validate(document)).toEqual({ valid: true })
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    expect(document.paths['/hello'].get.security).toEqual([{ bearerAuth: [] }])
    expect(document.paths['/__interceptor__']).toBeUndefined()
  })

  it('lets authorize decide who reads it', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { openapi: { authorize: (req) => req.headers['x-docs'] === 'yes' } } })
    expect((await fetch(`${served.base}/fn/_/openapi.json`)).status).toBe(401)
    expect((await fetch(`${served.base}/fn/_/openapi.json`, { headers: { 'x-docs': 'yes' } })).status).toBe(200)
  })
})

describe('buildOpenApiDocument', () => {
  it('gives distinct operation ids to names that differ only in punctuation, and stays valid', async () => {
    const document = buildOpenApiDocument([
      { name: 'a/b', source: '', hash: '1', methods: ['POST'] },
      { name: 'a_b', source: '', hash: '2', methods: ['POST'] },
      { name: 'a.b', source: '', hash: '3', methods: ['POST'] },
    ])
    const ids = Object.values(document.paths).map((item) => (item.post as { operationId: string }).operationId)
    expect(new Set(ids).size).toBe(3)
    expect(await validate(document)).toEqual({ valid: true })
  })
})

const isolateReason = await isolateUnavailableReason()
describe.skipIf(isolateReason !== null)(`the OpenAPI document in the isolate sandbox${isolateReason ? ` (skipped: ${isolateReason})` : ''}`, () => {
  it('reads each module’s exported meta through the isolate', async () => {
    const [, express] = EXPRESS_VERSIONS[1]
    served = await serve(express, FUNCTIONS, { executor: { sandbox: isolateSandbox({ warmIsolates: 0 }) }, middleware: { openapi: true } })
    const document = await json(await fetch(`${served.base}/fn/_/openapi.json`))
    expect(await validate(document)).toEqual({ valid: true })
    expect(document.paths['/orders/create'].post.summary).toBe('Create an order')
  })
})
