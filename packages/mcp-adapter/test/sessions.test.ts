import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it } from 'vitest'
import { connectV1, connectV2, FUNCTIONS, startHarness, until, type Harness } from './support/servers.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
})

describe('session mode (sessions: true)', () => {
  it('pushes tools/list_changed to a 2025-era client on its stream', async () => {
    harness = await startHarness({ sessions: true })
    const client = await connectV1(harness.url)
    let changes = 0
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changes++
    })
    expect(client.transport?.sessionId).toEqual(expect.any(String))
    // The client opens its GET stream after initialize; a change announced before that would be lost, so wait for it.
    let edits = 0
    await until(async () => {
      // Each try is a real edit (a new source), so each is announced.
      harness!.store.set({ name: 'pushed', description: 'New', inputSchema: { type: 'object' }, source: `export default () => ${++edits}` })
      await new Promise((resolve) => setTimeout(resolve, 100))
      return changes > 0
    }, 'a pushed list_changed')
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('pushed')
    await client.close()
  })

  it("delivers a 2025-era client's cancellation to the function", async () => {
    harness = await startHarness({ sessions: true })
    const client = await connectV1(harness.url)
    const marker = join(await mkdtemp(join(tmpdir(), 'mcp-session-cancel-')), 'marker')
    const controller = new AbortController()
    const pending = client.callTool({ name: 'wait', arguments: { marker } }, undefined, { signal: controller.signal })
    await until(() => existsSync(marker), 'the function to start')
    controller.abort()
    await expect(pending).rejects.toThrow()
    await until(() => readFileSync(marker, 'utf8') === 'aborted: true', 'the function to see the abort')
    await client.close()
  })

  it('each request of a session runs as its own caller', async () => {
    const authenticate = (req: { headers: Record<string, string | string[] | undefined> }) =>
      req.headers.authorization === 'Bearer good' ? { uid: 'ada' } : null
    harness = await startHarness({ sessions: true, authenticate })
    const client = await connectV1(harness.url, { token: 'good' })
    expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toMatchObject({ sum: 3, user: { uid: 'ada' } })
    await client.close()
  })

  it('keeps the level set with logging/setLevel for the session', async () => {
    const chatty = { name: 'chatty', description: 'Logs', inputSchema: { type: 'object' }, source: `export default async () => { console.info('i'); console.error('e') }` }
    harness = await startHarness({ sessions: true }, [...FUNCTIONS, chatty])
    const client = await connectV1(harness.url)
    const seen: unknown[] = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, async (notification) => {
      seen.push(notification.params.data)
    })
    await client.callTool({ name: 'chatty', arguments: {} })
    expect(seen).toEqual(['i', 'e'])
    seen.length = 0
    await client.setLoggingLevel('error')
    await client.callTool({ name: 'chatty', arguments: {} })
    expect(seen).toEqual(['e'])
    await client.close()
  })

  it('serves 2026-07-28 clients statelessly alongside', async () => {
    harness = await startHarness({ sessions: true })
    const client = await connectV2(harness.url, 'modern')
    expect((await client.callTool({ name: 'add', arguments: { a: 2, b: 2 } })).structuredContent).toMatchObject({ sum: 4 })
    await client.close()
    const legacy = await connectV2(harness.url, 'legacy')
    expect((await legacy.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).structuredContent).toMatchObject({ sum: 5 })
    await legacy.close()
  })

  it('caps open sessions with a 503 JSON-RPC error naming maxSessions', async () => {
    harness = await startHarness({ sessions: { maxSessions: 1 } })
    const first = await connectV1(harness.url)
    const refused = await fetch(harness.url, { method: 'POST', headers: HEADERS, body: INITIALIZE })
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('maxSessions') } })
    // Closing the first (DELETE) frees its place.
    await (first.transport as { terminateSession?: () => Promise<void> } | undefined)?.terminateSession?.()
    await first.close()
    const second = await connectV1(harness.url)
    expect((await second.listTools()).tools.length).toBeGreaterThan(0)
    await second.close()
  })

  it('expires an idle session: its id then gets 404', async () => {
    harness = await startHarness({ sessions: { idleTimeoutMs: 50 } })
    const opened = await fetch(harness.url, { method: 'POST', headers: HEADERS, body: INITIALIZE })
    const id = opened.headers.get('mcp-session-id')!
    expect(id).toEqual(expect.any(String))
    await opened.text()
    const list = () =>
      fetch(harness!.url, {
        method: 'POST',
        headers: { ...HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      })
    // Every request refreshes the session, so look only now and then (well past the idle timeout each time).
    let status = 0
    for (let tries = 0; tries < 50 && status !== 404; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      status = (await list()).status
    }
    expect(status).toBe(404)
    expect(await (await list()).json()).toMatchObject({ error: { message: 'Session not found' } })
  })
})
