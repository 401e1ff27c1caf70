// Three host processes on one MongoDB: a publish, a promotion, a rollback and an env change reach every one of them.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { MongoClient } from 'mongodb'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { envRegistry, functionRegistry } from '@scraping-run/runtime-core'

const HOST = fileURLToPath(new URL('./fixtures/deploy-host.mjs', import.meta.url))
const children: ChildProcess[] = []
let client: MongoClient | undefined
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  }
  await client?.close()
})

async function startHost(uri: string, dbName: string, environment: string): Promise<string> {
  const child = spawn(process.execPath, [HOST, uri, dbName, environment], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const [chunk] = await once(child.stdout!, 'data')
  return `http://127.0.0.1:${String(chunk).trim()}`
}

async function everyHostServes(bases: string[], name: string, expected: string): Promise<string[]> {
  const deadline = Date.now() + 15_000
  return Promise.all(
    bases.map(async (base) => {
      for (;;) {
        const text = await fetch(`${base}/${name}`).then((response) => response.text(), () => '')
        if (text === expected || Date.now() > deadline) return text
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }),
  )
}

describe('three host processes on one MongoDB', () => {
  it('all serve a publish, a promotion, a rollback and an env change', async () => {
    const uri = inject('mongoUri')
    const dbName = uniqueDbName('hosts')
    client = new MongoClient(uri)
    const db = client.db(dbName)
    const registry = functionRegistry({ db, pipeline: ['dev', 'prod'] })
    const env = envRegistry({ db })
    const dev = await Promise.all([startHost(uri, dbName, 'dev'), startHost(uri, dbName, 'dev')])
    const prod = [await startHost(uri, dbName, 'prod')]
    const source = (label: string) => `export default (ctx: any) => ${JSON.stringify(label)} + (ctx.env.SUFFIX ?? '')`

    await registry.put('hello', { source: source('v1') })
    await registry.publish('hello', { environment: 'dev' })
    expect(await everyHostServes(dev, 'hello', 'v1')).toEqual(['v1', 'v1'])
    await registry.put('hello', { source: source('v2') })
    await registry.publish('hello', { environment: 'dev' })
    expect(await everyHostServes(dev, 'hello', 'v2')).toEqual(['v2', 'v2'])
    await registry.promote('hello', { from: 'dev', to: 'prod' })
    expect(await everyHostServes(prod, 'hello', 'v2')).toEqual(['v2'])
    await registry.rollback('hello', { environment: 'dev', version: 1 })
    expect(await everyHostServes(dev, 'hello', 'v1')).toEqual(['v1', 'v1'])
    await env.set({ environment: 'dev', name: 'SUFFIX', value: '!' })
    expect(await everyHostServes(dev, 'hello', 'v1!')).toEqual(['v1!', 'v1!'])
    // Prod kept its own version and env.
    expect(await everyHostServes(prod, 'hello', 'v2')).toEqual(['v2'])
  }, 60_000)
})
