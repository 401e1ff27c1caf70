import { execFile } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createMcpHandler } from '@scraping-run/mcp-adapter'
import { createExecutor, memoryStore } from '@scraping-run/runtime-core'
import { connectV1, connectV2, startHarness, type Harness } from './support/servers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const run = promisify(execFile)
let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const LIST = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} })

/** A raw POST with exactly the headers given (fetch would not let a test set Host). */
function post(url: string, headers: Record<string, string>, body = LIST): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

function port(url: string): string {
  return new URL(url).port
}

describe('DNS-rebinding protection (on by default)', () => {
  it('refuses a foreign Host with 403 and a JSON-RPC error naming allowedHosts', async () => {
    harness = await startHarness()
    const answer = await post(harness.url, { host: `evil.example:${port(harness.url)}` })
    expect(answer.status).toBe(403)
    expect(answer.type).toMatch(/application\/json/)
    expect(JSON.parse(answer.body)).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32000, message: expect.stringContaining('allowedHosts') } })
  })

  it.each(['localhost', '127.0.0.1', '[::1]', 'LOCALHOST'])('lets the loopback name %s in, on any port', async (name) => {
    harness = await startHarness()
    for (const host of [name, `${name}:${port(harness.url)}`, `${name}:1`]) {
      const answer = await post(harness.url, { host })
      expect(answer.status, host).toBe(200)
    }
  })

  it('lets the names in allowedHosts in (a bare name on any port, name:port on that port only)', async () => {
    harness = await startHarness({ allowedHosts: ['mcp.example.com', 'api.example.com:8443'] })
    expect((await post(harness.url, { host: 'mcp.example.com' })).status).toBe(200)
    expect((await post(harness.url, { host: 'mcp.example.com:9000' })).status).toBe(200)
    expect((await post(harness.url, { host: 'api.example.com:8443' })).status).toBe(200)
    expect((await post(harness.url, { host: 'api.example.com:9000' })).status).toBe(403)
    expect((await post(harness.url, { host: 'other.example.com' })).status).toBe(403)
    // Not a valid authority at all.
    expect((await post(harness.url, { host: 'mcp.example.com/evil' })).status).toBe(403)
  })

  it("allowedHosts: '*' turns the Host check off (a reverse proxy checks hosts)", async () => {
    harness = await startHarness({ allowedHosts: '*' })
    expect((await post(harness.url, { host: 'anything.example' })).status).toBe(200)
  })

  it('refuses a foreign Origin with 403 naming allowedOrigins, for v2 and v1 clients too', async () => {
    harness = await startHarness({ allowedOrigins: ['https://app.example.com'] })
    const answer = await post(harness.url, { origin: 'https://evil.example' })
    expect(answer.status).toBe(403)
    expect(JSON.parse(answer.body).error.message).toContain('allowedOrigins')
    expect((await post(harness.url, { origin: 'https://app.example.com' })).status).toBe(200)
    expect((await post(harness.url, { origin: 'http://localhost:5173' })).status).toBe(200)
    expect((await post(harness.url, { origin: 'null' })).status).toBe(403)
    await expect(connectV2(harness.url, 'modern', { headers: { origin: 'https://evil.example' } })).rejects.toThrow()
    await expect(connectV1(harness.url, { headers: { origin: 'https://evil.example' } })).rejects.toThrow()
    const client = await connectV1(harness.url, { headers: { origin: 'https://app.example.com' } })
    expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    await client.close()
  })

  it('checks the option types', () => {
    const executor = createExecutor({ store: memoryStore() })
    expect(() => createMcpHandler(executor, { name: 'a', version: '1', allowedHosts: 'x' as never })).toThrow(/allowedHosts must be an array/)
    expect(() => createMcpHandler(executor, { name: 'a', version: '1', allowedOrigins: [1] as never })).toThrow(/allowedOrigins/)
    void executor.close()
  })
})

describe('adapter failures are JSON-RPC errors, never an HTML page', () => {
  it.each([5, 4] as const)('Express %i: a throwing authenticate answers a JSON-RPC 500, and onError gets the error', async (line) => {
    const errors: Error[] = []
    const authenticate = () => {
      throw new Error('token service at 10.0.0.7 is down')
    }
    harness = await startHarness({ authenticate, onError: (error) => errors.push(error) }, undefined, line)
    const answer = await post(harness.url, {})
    expect(answer.status).toBe(500)
    expect(answer.type).toMatch(/application\/json/)
    const body = JSON.parse(answer.body)
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'Internal error' } })
    // Internals stay on the server.
    expect(answer.body).not.toContain('10.0.0.7')
    expect(errors.map((error) => error.message)).toEqual(['token service at 10.0.0.7 is down'])
  })

  it('a closed handler answers a JSON-RPC error naming INVALID_OPTIONS', async () => {
    harness = await startHarness()
    await post(harness.url, {})
    await harness.handler.close()
    const answer = await post(harness.url, {})
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.body).error.message).toMatch(/^INVALID_OPTIONS: .*closed/)
  })
})

describe('a missing peer over HTTP', () => {
  it('answers a JSON-RPC error naming the package to install (an install without @modelcontextprotocol/node)', async () => {
    // A real install layout: the adapter's sources in a node_modules where only @modelcontextprotocol/server is present.
    const root = await mkdtemp(join(tmpdir(), 'mcp-no-peer-'))
    try {
      const pkg = join(root, 'node_modules/@scraping-run/mcp-adapter')
      await cp(join(here, '../src'), join(pkg, 'src'), { recursive: true })
      await mkdir(join(root, 'node_modules/@modelcontextprotocol'), { recursive: true })
      await symlink(realpathSync(join(here, '../node_modules/@modelcontextprotocol/server')), join(root, 'node_modules/@modelcontextprotocol/server'))
      const script = join(root, 'serve.mjs')
      await writeFile(
        script,
        `import { createServer } from 'node:http'
        import { createMcpHandler } from '@scraping-run/mcp-adapter/src/index.ts'
        const executor = { store: { list: async () => [], watch: () => () => {} }, invoke: async () => ({}) }
        const handler = createMcpHandler(executor, { name: 'x', version: '1', onError: () => {} })
        const server = createServer((req, res) => void handler(req, res)).listen(0, '127.0.0.1', async () => {
          const res = await fetch('http://127.0.0.1:' + server.address().port, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: ${JSON.stringify(LIST)},
          })
          console.log(JSON.stringify({ status: res.status, body: await res.json() }))
          server.close()
        })`,
      )
      const { stdout } = await run(process.execPath, ['--import', join(here, 'support/register-ts.mjs'), script], { cwd: root })
      const answer = JSON.parse(stdout)
      expect(answer.status).toBe(500)
      expect(answer.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32603, message: expect.stringMatching(/^MISSING_PEER: .*npm install @modelcontextprotocol\/node/) } })
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
