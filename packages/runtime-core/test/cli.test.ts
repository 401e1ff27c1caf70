import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { getToken } from '@scraping-run/cloud'
import { makeTempDir, uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { adminRouter, createAdminApi, createExecutor, envRegistry, functionRegistry, mongoEnv, mongoStore, type Executor } from '@scraping-run/runtime-core'

const BIN = fileURLToPath(new URL('../bin/scraping-run.js', import.meta.url))
const SECRET = 'cli-test-secret'
const KEY = randomBytes(32).toString('hex')

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

let client: MongoClient
let db: Db
let server: Server
let base: string
let dir: string
let cleanup: () => Promise<void>
const executors: Record<string, Executor> = {}
const lives: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'))
  db = client.db(uniqueDbName('cli'))
  const admin = createAdminApi({ registry: functionRegistry({ db, pipeline: ['dev', 'staging', 'prod'] }), env: envRegistry({ db, secretKey: KEY }), jwtSecret: SECRET })
  server = createServer(adminRouter(admin))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  ;({ dir, cleanup } = await makeTempDir('cli-functions-'))
  await mkdir(join(dir, 'api'))
  await writeFile(join(dir, 'hello.ts'), 'export default (ctx: any) => "hello " + (ctx.env.WHO ?? "nobody")')
  await writeFile(join(dir, 'hello.json'), JSON.stringify({ methods: ['POST'], description: 'greets' }))
  await writeFile(join(dir, 'api', 'sum.js'), 'module.exports = () => 1 + 1')
  // One host per environment, each following MongoDB.
  for (const environment of ['dev', 'staging', 'prod']) {
    const live = mongoEnv({ db, environment, secretKey: KEY })
    lives.push(live)
    const store = mongoStore({ db, environment })
    executors[environment] = createExecutor({ store, env: live.env })
    await store.ready()
  }
})

afterAll(async () => {
  for (const executor of Object.values(executors)) await executor.close()
  for (const live of lives) await live.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await client.close()
  await cleanup()
})

const call = (environment: string, name: string) => executors[environment]!.invoke(name).then((result) => result.error?.code ?? result.data)

describe('scraping-run CLI', () => {
  it('deploys a folder, promotes, shows history, rolls back and sets env over the admin API; piped output is plain lines', async () => {
    const token = getToken({ type: 'admin', sub: 'ci' }, { secret: SECRET })
    const api = ['--url', base, '--token', token]
    const deployed = await cli(['deploy', dir, '--env', 'dev', ...api])
    expect(deployed).toMatchObject({ code: 0, stderr: '' })
    expect(deployed.stdout.trim().split('\n').map((line) => line.split('\t').slice(0, 3))).toEqual([
      ['api/sum', 'dev', '1'],
      ['hello', 'dev', '1'],
    ])
    expect(await eventually(() => call('dev', 'api/sum'), 2)).toBe(2)
    expect((await executors.dev!.describe('hello'))[0]).toMatchObject({ methods: ['POST'], description: 'greets' })

    expect(await cli(['env', 'set', 'WHO=ada', '--env', 'dev', ...api])).toMatchObject({ code: 0 })
    expect(await eventually(() => call('dev', 'hello'), 'hello ada')).toBe('hello ada')
    expect(await cli(['env', 'set', 'WHO=a secret', '--secret', '--env', 'dev', ...api])).toMatchObject({ code: 0 })
    expect(await eventually(() => call('dev', 'hello'), 'hello a secret')).toBe('hello a secret')

    expect((await cli(['promote', '--all', '--from', 'dev', '--to', 'staging', ...api])).code).toBe(0)
    expect(await eventually(() => call('staging', 'api/sum'), 2)).toBe(2)
    const refused = await cli(['promote', 'hello', '--from', 'dev', '--to', 'prod', ...api])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/PROMOTION_ORDER/)

    await writeFile(join(dir, 'api', 'sum.js'), 'module.exports = () => 40 + 2')
    await cli(['deploy', dir, '--env', 'dev', ...api])
    expect(await eventually(() => call('dev', 'api/sum'), 42)).toBe(42)
    const history = await cli(['history', 'api/sum', '--env', 'dev', ...api])
    expect(history.stdout.trim().split('\n').map((line) => line.split('\t').slice(0, 3))).toEqual([
      ['2', 'publish', 'ci'],
      ['1', 'publish', 'ci'],
    ])
    expect(await cli(['rollback', 'api/sum', '--env', 'dev', '--version', '1', ...api])).toMatchObject({ code: 0, stdout: expect.stringMatching(/now version 3/) })
    expect(await eventually(() => call('dev', 'api/sum'), 2)).toBe(2)
  })

  it('talks straight to MongoDB with --mongo', async () => {
    const mongo = ['--mongo', inject('mongoUri'), '--db', db.databaseName, '--pipeline', 'dev,staging,prod', '--secret-key', KEY]
    await writeFile(join(dir, 'api', 'sum.js'), 'module.exports = () => 7')
    expect((await cli(['deploy', dir, '--env', 'dev', ...mongo])).code).toBe(0)
    expect(await eventually(() => call('dev', 'api/sum'), 7)).toBe(7)
    expect((await cli(['promote', 'api/sum', '--from', 'dev', '--to', 'staging', ...mongo])).code).toBe(0)
    expect((await cli(['promote', 'api/sum', '--from', 'staging', '--to', 'prod', ...mongo])).code).toBe(0)
    expect(await eventually(() => call('prod', 'api/sum'), 7)).toBe(7)
    expect((await cli(['env', 'set', 'WHO=prod-secret', '--secret', '--env', 'prod', ...mongo])).code).toBe(0)
    await cli(['promote', 'hello', '--from', 'dev', '--to', 'staging', ...mongo])
    await cli(['promote', 'hello', '--from', 'staging', '--to', 'prod', ...mongo])
    expect(await eventually(() => call('prod', 'hello'), 'hello prod-secret')).toBe('hello prod-secret')
  })

  it('fails with a reason and a non-zero exit: no target, a bad token, a syntax error, usage', async () => {
    expect(await cli(['history', 'x', '--env', 'dev'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no target/) })
    expect(await cli(['history', 'x', '--env', 'dev', '--url', base, '--token', 'nope'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/UNAUTHORIZED/) })
    const { dir: bad, cleanup: done } = await makeTempDir('cli-bad-')
    await writeFile(join(bad, 'broken.ts'), 'export default () => {\n  return (\n}')
    const token = getToken({ type: 'admin' }, { secret: SECRET })
    const failed = await cli(['deploy', bad, '--env', 'dev', '--url', base, '--token', token])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/broken:3:0: .*\(COMPILE_ERROR\)/)
    await done()
    expect((await cli([])).code).toBe(2)
    expect((await cli(['frobnicate', '--url', base])).code).toBe(2)
    expect((await cli(['deploy', '--bogus'])).code).toBe(2)
  })
})
