// The README's examples, as a new user meets them: every TypeScript block type-checks under --strict, and the complete
// example runs — the server block against the test MongoDB, then the browser block against it, on an empty collection.
import { createHmac } from 'node:crypto'
import { startMongo, uniqueDbName, type TestMongo } from '@scraping-run/test-utils'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, runExample, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'
import { getFreePort } from '@scraping-run/test-utils'

const README = new URL('../README.md', import.meta.url)
const SECRET = 'readme-secret'

let examples: ReadmeExample[]
let dir: ExampleDir
let mongo: TestMongo

beforeAll(async () => {
  examples = await readmeExamples(README)
  dir = await exampleDir(new URL('../', import.meta.url))
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

describe('README examples', () => {
  it('has the blocks this test runs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3)
    expect(examples[0]!.code).toContain('createDbProxy')
    expect(examples[1]!.code).toContain("from '@scraping-run/cloud/client'")
  })

  it('type-check under --strict', { timeout: 120_000 }, async () => {
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })

  it('run: the policy tests block, with no database behind it', { timeout: 120_000 }, async () => {
    const block = examples.find((example) => example.code.includes('assertDenied'))!
    // A port nothing listens on: check() must not need the server.
    const file = await dir.writeRunnable(block, 'policy-tests.mjs')
    const run = await runExample(file, { env: { MONGODB_URL: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500' } })
    expect(run.output()).toContain('false app.posts.add[0] condition')
    expect(run.output()).toContain('policy tests passed')
  })

  it('run: the server, then the browser block on an empty collection', { timeout: 120_000 }, async () => {
    const port = await getFreePort()
    const dbName = uniqueDbName('readme')
    // The block connects to MONGODB_URL and uses the database "blog": point it at a database of this run.
    const server = await dir.writeRunnable(examples[0]!, 'server.mjs', (code) => code.replace("client.db('blog')", `client.db('${dbName}')`).replace('listen(3000)', `listen(${port}, '127.0.0.1')`))
    const browser = await dir.writeRunnable(examples[1]!, 'browser.mjs')
    const origin = `http://127.0.0.1:${port}`
    const running = await runExample(server, {
      env: { MONGODB_URL: mongo.uri, JWT_SECRET: SECRET },
      ready: async () => (await fetch(`${origin}/proxy/app`, { method: 'POST', body: '{}' })).status === 400,
    })
    const client = new MongoClient(mongo.uri)
    try {
      const user = await runExample(browser, { globals: { location: { origin }, localStorage: { token: jwt({ uid: 'alice' }) }, myUid: 'alice' } })
      expect(user.output()).toContain('0 of 0 posts')
      expect(user.output()).toContain('true 1')
      const posts = await client.db(dbName).collection('posts').find({}, { projection: { _id: 0 } }).toArray()
      expect(posts).toEqual([{ title: 'Hello again', body: '…', author: 'alice', likes: 0 }])
    } finally {
      await running.stop()
      await client.db(dbName).dropDatabase().catch(() => {})
      await client.close()
    }
  })
})
