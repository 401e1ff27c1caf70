import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createTokenHelpers } from '@scraping-run/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveFeatures } from './helpers.js'
import { mongoFeature } from '../src/features/mongo.js'
import { DEV_JWT_SECRET, functionsFeature } from '../src/features/functions.js'
import { deployFeature } from '../src/features/deploy.js'

// The CLI end to end against the demo: deploy at start-up, promote, history, rollback, env — each served from MongoDB.
const run = promisify(execFile)
const CLI = new URL('../../../packages/runtime-core/bin/scraping-run.js', import.meta.url).pathname
const tokens = createTokenHelpers(DEV_JWT_SECRET)
const auth = { authorization: `Bearer ${tokens.getToken({ uid: 'tester' })}`, 'content-type': 'application/json' }
let served: Awaited<ReturnType<typeof serveFeatures>>

beforeAll(async () => {
  served = await serveFeatures([mongoFeature, functionsFeature, deployFeature], {})
}, 60_000)
afterAll(() => served?.close())

const hello = (environment: string) =>
  fetch(`${served.base}/${environment}/fn/hello`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Ada' }) }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }))

async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await read()
    if (accept(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const cli = async (...args: string[]) => {
  try {
    return { code: 0, ...(await run(process.execPath, [CLI, ...args, '--url', `${served.base}/admin`, '--token', served.services.adminToken])) }
  } catch (error: any) {
    return { code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string }
  }
}

describe('deploy feature', () => {
  it('serves the folder deployed to dev at start-up; staging has nothing until promoted by the CLI', async () => {
    expect(await hello('dev')).toMatchObject({ status: 200, body: { message: 'Hello, Ada!', user: 'tester' } })
    expect((await hello('staging')).status).toBe(404)
    expect(await cli('promote', '--all', '--from', 'dev', '--to', 'staging')).toMatchObject({ code: 0 })
    expect((await until(() => hello('staging'), (value) => value.status === 200)).body.message).toBe('Hello, Ada!')
    expect((await cli('promote', 'hello', '--from', 'dev', '--to', 'prod')).stderr).toMatch(/PROMOTION_ORDER/)
  })

  it('publish over the admin API, history and rollback with the CLI', async () => {
    const admin = { authorization: `Bearer ${served.services.adminToken}`, 'content-type': 'application/json' }
    const put = await fetch(`${served.base}/admin/functions/hello`, { method: 'PUT', headers: admin, body: JSON.stringify({ source: 'export default () => ({ message: "v2" })' }) })
    expect(put.status).toBe(200)
    await fetch(`${served.base}/admin/functions/hello:publish`, { method: 'POST', headers: admin, body: JSON.stringify({ environment: 'dev' }) })
    expect((await until(() => hello('dev'), (value) => value.body.message === 'v2')).body.message).toBe('v2')
    const history = await cli('history', 'hello', '--env', 'dev')
    expect(history.stdout.split('\n').filter(Boolean).map((line) => line.split('\t').slice(0, 3))).toEqual([
      ['2', 'publish', 'demo-admin'],
      ['1', 'publish', 'demo start-up'],
    ])
    expect((await cli('rollback', 'hello', '--env', 'dev', '--version', '1')).code).toBe(0)
    expect((await until(() => hello('dev'), (value) => value.body.message === 'Hello, Ada!')).body.message).toBe('Hello, Ada!')
  })

  it('an env change (then a secret) reaches the functions of that environment; the admin API needs its token and never shows the value', async () => {
    expect((await fetch(`${served.base}/admin/functions?environment=dev`)).status).toBe(401)
    const admin = { authorization: `Bearer ${served.services.adminToken}`, 'content-type': 'application/json' }
    await fetch(`${served.base}/admin/functions/greet`, { method: 'PUT', headers: admin, body: JSON.stringify({ source: 'export default (ctx: any) => ({ greeting: ctx.env.GREETING ?? null })' }) })
    await fetch(`${served.base}/admin/functions/greet:publish`, { method: 'POST', headers: admin, body: JSON.stringify({ environment: 'dev' }) })
    const greet = () => fetch(`${served.base}/dev/fn/greet`, { method: 'POST', headers: auth }).then(async (response) => (response.ok ? ((await response.json()) as any).greeting : `HTTP ${response.status}`))
    expect(await until(greet, (value) => value === null)).toBe(null)
    expect((await cli('env', 'set', 'GREETING=hi', '--env', 'dev')).code).toBe(0)
    expect(await until(greet, (value) => value === 'hi')).toBe('hi')
    expect((await cli('env', 'set', 'GREETING=secret-greeting', '--secret', '--env', 'dev')).code).toBe(0)
    expect(await until(greet, (value) => value === 'secret-greeting')).toBe('secret-greeting')
    const listed = (await (await fetch(`${served.base}/admin/env?environment=dev`, { headers: admin })).json()) as any
    expect(listed).toEqual([{ name: 'GREETING', secret: true, updatedAt: expect.any(String), updatedBy: 'demo-admin' }])
  })
})
