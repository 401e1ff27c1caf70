// The README's examples, as a new user meets them: every TypeScript block type-checks under --strict, and the example
// server runs with the README's own function (functions/orders/create.ts, which uses cloud.mongo) while the client block
// lists and calls it over Streamable HTTP, against the test MongoDB.
import { createHmac } from 'node:crypto'
import { getFreePort, startMongo, uniqueDbName, type TestMongo } from '@scraping-run/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, runExample, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'

const README = new URL('../README.md', import.meta.url)
const SECRET = 'readme-secret'

let examples: ReadmeExample[]
let dir: ExampleDir
let mongo: TestMongo

beforeAll(async () => {
  examples = await readmeExamples(README)
  // The function block imports the SDK, which reaches this package only through the runtime.
  dir = await exampleDir(new URL('../', import.meta.url), { '@scraping-run/cloud': new URL('../../cloud-sdk/', import.meta.url) })
  mongo = await startMongo()
})
afterAll(async () => {
  await dir?.remove()
  await mongo?.stop()
})

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...payload, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`
}

/** The block that contains `marker` (by content, so adding an example elsewhere in the README does not shift them). */
function block(marker: string): ReadmeExample {
  const found = examples.find((example) => example.code.includes(marker))
  if (!found) throw new Error(`no README block contains ${JSON.stringify(marker)}`)
  return found
}

describe('README examples', () => {
  it('has the blocks this test runs', () => {
    expect(block('// functions/orders/create.ts').code).toContain('cloud.mongo')
    expect(block('app.listen(3000)').code).toContain('createMcpHandler(executor')
    expect(block('StreamableHTTPClientTransport').code).toContain('callTool')
  })

  it('type-check under --strict', { timeout: 120_000 }, async () => {
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })

  it('run: the server serves the README function as a tool, and the client block calls it', { timeout: 120_000 }, async () => {
    const port = await getFreePort()
    const dbName = uniqueDbName('readme')
    await dir.write('functions/orders/create.ts', block('// functions/orders/create.ts').code)
    const server = await dir.writeRunnable(block('app.listen(3000)'), 'server.mjs', (code) => code.replace("dbName: 'shop'", `dbName: '${dbName}'`).replace('listen(3000)', `listen(${port}, '127.0.0.1')`))
    const client = await dir.writeRunnable(block('StreamableHTTPClientTransport'), 'client.mjs', (code) => code.replace('127.0.0.1:3000', `127.0.0.1:${port}`))
    const running = await runExample(server, {
      env: { MONGODB_URL: mongo.uri, JWT_SECRET: SECRET },
      ready: async () => (await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST' })).status === 401,
    })
    try {
      const agent = await runExample(client, { globals: { token: jwt({ uid: 'alice' }) } })
      expect(agent.output()).toContain("name: 'orders_create'")
      // The function inserted through cloud.mongo and returned the new id (without `mongo` it fails with NOT_CONFIGURED).
      expect(agent.output()).not.toContain('isError: true')
      expect(agent.output()).toMatch(/structuredContent: \{ id: '[0-9a-f]{24}' \}/)
    } finally {
      await running.stop()
    }
  })
})
