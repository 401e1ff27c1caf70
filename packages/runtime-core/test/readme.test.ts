// The README's examples, as a new user meets them: every TypeScript block type-checks under --strict, and the quick
// start runs — the server block with the function block as functions/hello.ts, answering a real request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getFreePort } from '@scraping-run/test-utils'
import { createExecutor, createHttpHandler, memoryStore } from '@scraping-run/runtime-core'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { exampleDir, readmeExamples, runExample, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'

const README = new URL('../README.md', import.meta.url)
let examples: ReadmeExample[]
let dir: ExampleDir

beforeAll(async () => {
  examples = await readmeExamples(README)
  dir = await exampleDir(new URL('../', import.meta.url), {
    '@scraping-run/cloud': new URL('../../cloud-sdk/', import.meta.url),
    '@scraping-run/db-proxy': new URL('../../db-proxy/', import.meta.url),
  })
})
afterAll(() => dir?.remove())

describe('README examples', () => {
  it('type-check under --strict', { timeout: 120_000 }, async () => {
    expect(examples.length).toBeGreaterThanOrEqual(14)
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })

  it('the quick start serves functions/hello.ts as POST /fn/hello', { timeout: 60_000 }, async () => {
    const server = examples.find((example) => example.code.includes("directoryStore('./functions')") && example.code.includes('app.listen(3000)'))!
    const hello = examples.find((example) => example.code.startsWith('// functions/hello.ts'))!
    await dir.write('functions/hello.ts', hello.code)
    const port = await getFreePort()
    const file = await dir.writeRunnable(server, 'quick-start.js', (code) => code.replace('app.listen(3000)', `app.listen(${port})`))
    const running = await runExample(file, {
      env: { JWT_SECRET: 'readme-secret' },
      ready: async () => (await fetch(`http://127.0.0.1:${port}/fn/hello`, { method: 'POST' })).status !== 0,
    })
    try {
      const response = await fetch(`http://127.0.0.1:${port}/fn/hello`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' })
      expect(await response.json()).toMatchObject({ hello: 'Ada', calls: expect.any(Number), app: 'default' })
    } finally {
      await running.stop()
    }
  })

  it('the Lambda and streaming examples answer as documented', { timeout: 60_000 }, async () => {
    const block = (file: string) => examples.find((example) => example.code.startsWith(`// functions/${file}`))!.code
    const executor = createExecutor({ store: memoryStore(['orders', 'chat', 'events'].map((name) => ({ name, source: block(`${name}.ts`) }))) })
    const server = createServer(createHttpHandler(executor))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      expect(await (await fetch(`${base}/orders/42`, { method: 'POST' })).json()).toEqual({ id: '42', by: 'orders' })
      expect((await fetch(`${base}/orders`, { method: 'OPTIONS' })).status).toBe(204)
      const chat = await fetch(`${base}/chat`)
      expect([chat.headers.get('content-type'), await chat.text()]).toEqual(['text/event-stream', 'data: {"token":"Hello"}\n\ndata: {"token":" world"}\n\n'])
      const events = await fetch(`${base}/events`)
      expect(await events.text()).toBe('id: 1\nevent: hello\ndata: {"from":"events"}\n\ndata: tick 0\n\ndata: tick 1\n\ndata: tick 2\n\n')
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await executor.close()
    }
  })

  it('the WebSocket example is a chat: a second client joining and a message reach both', { timeout: 60_000 }, async () => {
    const server = examples.find((example) => example.code.includes('attachWebSocket(server, executor'))!
    const chat = examples.find((example) => example.code.startsWith('// functions/__websocket__.ts'))!
    await dir.write('functions/__websocket__.ts', chat.code)
    const port = await getFreePort()
    const file = await dir.writeRunnable(server, 'chat.js', (code) => code.replace('app.listen(3000)', `app.listen(${port})`))
    const running = await runExample(file, {
      env: { JWT_SECRET: 'readme-secret' },
      ready: async () => (await fetch(`http://127.0.0.1:${port}/fn/none`, { method: 'POST' })).status !== 0,
    })
    const open = (query = '') =>
      new Promise<{ ws: WebSocket; next(): Promise<any> }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`)
        const queue: unknown[] = []
        const waiting: Array<(value: unknown) => void> = []
        ws.on('message', (data) => {
          const value = JSON.parse(String(data))
          const wake = waiting.shift()
          if (wake) wake(value)
          else queue.push(value)
        })
        ws.once('open', () => resolve({ ws, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((wake) => waiting.push(wake))) }))
        ws.once('error', reject)
      })
    try {
      const ada = await open()
      expect(await ada.next()).toEqual({ welcome: 'guest', online: 1 })
      const { createTokenHelpers } = await import('@scraping-run/cloud')
      const bob = await open(`?token=${createTokenHelpers('readme-secret').getToken({ uid: 'bob' })}`)
      expect(await bob.next()).toEqual({ welcome: 'bob', online: 2 })
      expect(await ada.next()).toEqual({ joined: 'bob' })
      bob.ws.send('hello')
      expect(await ada.next()).toEqual({ from: 'bob', text: 'hello' })
      expect(await bob.next()).toEqual({ from: 'bob', text: 'hello' })
      bob.ws.close()
      expect(await ada.next()).toEqual({ left: 'bob' })
      ada.ws.close()
    } finally {
      await running.stop()
    }
  })
})
