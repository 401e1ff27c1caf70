import { createTokenHelpers } from '@scraping-run/cloud'
import {
  DEBUG_LOGS_HEADER,
  DEBUG_SOURCE_HEADER,
  DEBUG_TIME_HEADER,
  DEVELOP_TOKEN_HEADER,
  decodeDebugHeader,
  encodeDebugHeader,
} from '@scraping-run/runtime-core/express'
import { afterEach, describe, expect, it } from 'vitest'
import { EXPRESS_VERSIONS, serve, type Served } from './helpers.js'

const tokens = createTokenHelpers('test-secret')
const develop = tokens.getToken({ type: 'develop' })
let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

const FUNCTIONS = [
  { name: 'greet', source: 'export default () => "stored"', methods: ['GET'] },
  { name: 'helper', source: 'export const twice = (x: number) => x * 2' },
]

const debugSource = (source: string, language: 'ts' | 'js' = 'ts') => encodeDebugHeader({ source, language })

describe.each(EXPRESS_VERSIONS)('debug mode on %s', (_label, express) => {
  it('runs the source in the header instead of the stored one, skips the method check, and returns logs and time', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { debug: true } })
    const source = 'import { twice } from "@/helper"\nexport default (ctx: any) => { console.log("debugging", ctx.body.n); return { debug: twice(ctx.body.n) } }'
    const response = await fetch(`${served.base}/fn/greet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [DEVELOP_TOKEN_HEADER]: develop, [DEBUG_SOURCE_HEADER]: debugSource(source) },
      body: JSON.stringify({ n: 21 }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ debug: 42 })
    const logs = decodeDebugHeader(response.headers.get(DEBUG_LOGS_HEADER)!) as any[]
    expect(logs.map((log) => [log.level, log.message, log.functionName])).toEqual([['log', 'debugging 21', 'greet']])
    expect(Number(response.headers.get(DEBUG_TIME_HEADER))).toBeGreaterThan(0)
    expect(response.headers.get(`${DEBUG_TIME_HEADER}-usage`)).toBe(response.headers.get(DEBUG_TIME_HEADER))
    // The stored function is untouched.
    expect(await (await fetch(`${served.base}/fn/greet`)).text()).toBe('stored')
  })

  it('puts a source-mapped stack in the debug error response', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { debug: true } })
    const source = 'interface A { x: number }\n\n\nexport default function () {\n  const a: A = { x: 1 }\n  if (a.x) throw new Error("debug failure")\n}'
    const response = await fetch(`${served.base}/fn/greet`, { headers: { [DEVELOP_TOKEN_HEADER]: develop, [DEBUG_SOURCE_HEADER]: debugSource(source) } })
    const body: any = await response.json()
    expect([response.status, body.code, body.error]).toEqual([500, 'FUNCTION_ERROR', 'debug failure'])
    expect(body.stack).toContain('greet.ts:6:')
  })

  it('refuses a bad develop token with 403 and a bad source header with 400', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { debug: true } })
    for (const token of ['nope', tokens.getToken({ type: 'trigger' }), createTokenHelpers('other').getToken({ type: 'develop' })]) {
      const response = await fetch(`${served.base}/fn/greet`, { headers: { [DEVELOP_TOKEN_HEADER]: token, [DEBUG_SOURCE_HEADER]: debugSource('export default () => 1') } })
      expect([response.status, ((await response.json()) as any).code]).toEqual([403, 'FORBIDDEN'])
    }
    const garbled = await fetch(`${served.base}/fn/greet`, { headers: { [DEVELOP_TOKEN_HEADER]: develop, [DEBUG_SOURCE_HEADER]: 'not base64 gzip' } })
    expect([garbled.status, ((await garbled.json()) as any).code]).toEqual([400, 'BAD_REQUEST'])
  })

  it('ignores debug headers and hides stacks when debug is off', async () => {
    served = await serve(express, [...FUNCTIONS, { name: 'fail', source: 'export default () => { throw new Error("x") }' }])
    const response = await fetch(`${served.base}/fn/greet`, { headers: { [DEVELOP_TOKEN_HEADER]: develop, [DEBUG_SOURCE_HEADER]: debugSource('export default () => "debug"') } })
    expect([await response.text(), response.headers.get(DEBUG_LOGS_HEADER)]).toEqual(['stored', null])
    const failed: any = await (await fetch(`${served.base}/fn/fail`)).json()
    expect(failed.stack).toBeUndefined()
  })

  it('reports a compile error of the debug source with its position', async () => {
    served = await serve(express, FUNCTIONS, { middleware: { debug: true } })
    const response = await fetch(`${served.base}/fn/greet`, { headers: { [DEVELOP_TOKEN_HEADER]: develop, [DEBUG_SOURCE_HEADER]: debugSource('export default () => {\n  return (\n}') } })
    const body: any = await response.json()
    expect([response.status, body.code]).toEqual([500, 'COMPILE_ERROR'])
    expect(body.error).toMatch(/^greet:3:0:/)
  })
})

describe('debug runs leave the stored function alone', () => {
  it('keeps the stored source map and import graph after a debug run of another version', async () => {
    served = await serve(EXPRESS_VERSIONS[1][1], [
      { name: 'dep', source: 'export const v = 1' },
      { name: 'user', source: 'import { v } from "@/dep"\n\n\n\nexport default () => {\n  if (v) throw new Error("stored " + v)\n}' },
    ], { middleware: { debug: true } })
    await fetch(`${served.base}/fn/user`)
    const debugged = await fetch(`${served.base}/fn/user`, {
      headers: { [DEVELOP_TOKEN_HEADER]: develop, [DEBUG_SOURCE_HEADER]: debugSource('export default () => {\n  throw new Error("debug")\n}') },
    })
    expect(((await debugged.json()) as any).stack).toContain('user.ts:2:')
    const stored: any = await (await fetch(`${served.base}/fn/user`)).json()
    expect(stored.stack).toContain('user.ts:6:')
    // The stored function still follows its dependency.
    ;(served.executor.store as any).set({ name: 'dep', source: 'export const v = 2' })
    const after: any = await (await fetch(`${served.base}/fn/user`)).json()
    expect(after.error).toBe('stored 2')
  })
})
