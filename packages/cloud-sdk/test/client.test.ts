// The browser client: URLs, headers and answers, with an injected fetch standing in for the network.
import { describe, expect, it } from 'vitest'
import { createCloudClient } from '@scraping-run/cloud/client'

function fakeFetch(respond: (url: string, init: RequestInit) => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = []
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    return respond(url, init)
  }) as typeof globalThis.fetch
  return { fetch, calls }
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('createCloudClient', () => {
  it('posts builder requests to {baseUrl}/proxy/{policy} with the bearer token', async () => {
    const { fetch, calls } = fakeFetch(() => json({ code: 0, data: { total: 3 } }))
    const client = createCloudClient({ baseUrl: 'https://api.test/', policy: 'app', getToken: async () => 'tok', fetch })
    expect(await client.database().collection('posts').count()).toEqual({ ok: true, total: 3 })
    expect(calls[0].url).toBe('https://api.test/proxy/app')
    expect(calls[0].init.method).toBe('POST')
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer tok')
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ action: 'database.countDocument', collectionName: 'posts' })
  })

  it('sends no authorization without a token, and reports a non-proxy answer as ok: false', async () => {
    const { fetch, calls } = fakeFetch(() => new Response('Bad Gateway', { status: 502 }))
    const client = createCloudClient({ baseUrl: 'https://api.test', proxyPath: '/db', fetch })
    const result = await client.database().collection('posts').get()
    expect(result).toMatchObject({ ok: false, code: 'HTTP_502', error: 'Bad Gateway' })
    expect(calls[0].url).toBe('https://api.test/db/app')
    expect((calls[0].init.headers as Record<string, string>).authorization).toBeUndefined()
  })

  it('invoke() posts JSON to the function and returns its answer; failures throw with the status', async () => {
    const { fetch, calls } = fakeFetch((url) => (url.endsWith('/hello') || url.endsWith('/a/b') ? json({ hi: 'there' }) : json({ error: 'nope' }, 404)))
    const client = createCloudClient({ baseUrl: 'https://api.test', fetch })
    expect(await client.invoke('hello', { a: 1 })).toEqual({ hi: 'there' })
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ a: 1 })
    await expect(client.invoke('missing')).rejects.toMatchObject({
      name: 'CloudError',
      code: 'INVOKE_FAILED',
      status: 404,
      body: { error: 'nope' },
      message: expect.stringContaining('nope'),
    })
    expect(calls[0].url).toBe('https://api.test/hello')
    const mounted = createCloudClient({ baseUrl: 'https://api.test', functionsPath: '/fn', fetch })
    await mounted.invoke('a/b', {})
    expect(calls.at(-1)!.url).toBe('https://api.test/fn/a/b')
  })

  it('invoke() reports a malformed JSON answer as INVOKE_FAILED, not a SyntaxError', async () => {
    const { fetch } = fakeFetch(() => new Response('{"half":', { status: 200, headers: { 'content-type': 'application/json' } }))
    const client = createCloudClient({ baseUrl: 'https://api.test', fetch })
    await expect(client.invoke('broken')).rejects.toMatchObject({ code: 'INVOKE_FAILED', status: 200, body: '{"half":' })
  })

  it('needs a baseUrl', () => {
    expect(() => createCloudClient({} as never)).toThrow('baseUrl')
  })
})

describe('browser safety', () => {
  it('the client entry imports no Node built-ins and not jsonwebtoken', async () => {
    const { build } = await import('esbuild')
    const result = await build({
      entryPoints: [new URL('../src/client.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile!.inputs)
    expect(inputs.some((file) => file.includes('jsonwebtoken'))).toBe(false)
    expect(inputs.some((file) => file.startsWith('node:'))).toBe(false)
  })
})
