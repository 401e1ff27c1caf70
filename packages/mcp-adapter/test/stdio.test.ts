// The `scraping-run-mcp` bin end to end: spawned from source (no build needed) by each SDK line's own stdio transport.
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client as V2Client } from '@modelcontextprotocol/client'
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport as V1StdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { repoRoot, workspaceEntries } from '@scraping-run/vitest-config'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongo, uniqueDbName } from '@scraping-run/test-utils'
import { until } from './support/servers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
let dir: string

function server(extraArgs: string[] = [], extraEnv: Record<string, string> = {}) {
  return {
    command: process.execPath,
    args: ['--import', join(here, 'support/register-ts.mjs'), join(here, '../src/bin.ts'), '--functions', dir, '--name', 'stdio-test', ...extraArgs],
    env: {
      ...getDefaultEnvironment(),
      ...extraEnv,
      SCRAPING_RUN_TS_ALIASES: JSON.stringify(workspaceEntries.map(([name, file]) => [name, repoRoot + file])),
    },
    stderr: 'pipe' as const,
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-stdio-'))
  await writeFile(join(dir, 'add.ts'), 'export default async (ctx: any) => ({ sum: ctx.body.a + ctx.body.b, trigger: ctx.trigger.kind })')
  await writeFile(
    join(dir, 'add.json'),
    JSON.stringify({ description: 'Adds', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } }),
  )
  await writeFile(
    join(dir, 'wait.ts'),
    `import { writeFileSync } from 'node:fs'
    export const meta = { description: 'Waits until cancelled', inputSchema: { type: 'object', properties: { marker: { type: 'string' } } } }
    export default async function (ctx: any) {
      writeFileSync(ctx.body.marker, 'started')
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
      writeFileSync(ctx.body.marker, 'aborted: ' + ctx.signal.aborted)
    }`,
  )
  await writeFile(join(dir, 'fail.ts'), `export const meta = { description: 'Fails', inputSchema: { type: 'object' } }
    export default async () => { throw new Error('no luck') }`)
  await writeFile(join(dir, 'helper.ts'), 'export default () => 1')
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function marker(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'mcp-stdio-cancel-')), 'marker')
}

describe('scraping-run-mcp --functions <dir> over stdio', () => {
  it('serves a 2026-07-28 v2 client: list, call, invalid arguments, error result, cancellation, list_changed', async () => {
    const seen: string[][] = []
    const client = new V2Client(
      { name: 'stdio-v2', version: '1.0.0' },
      {
        versionNegotiation: { mode: 'auto' },
        listChanged: { tools: { debounceMs: 0, onChanged: (_e, tools) => seen.push((tools ?? []).map((t) => t.name).sort()) } },
      },
    )
    await client.connect(new StdioClientTransport(server()))
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28')
      expect(client.getServerVersion()?.name).toBe('stdio-test')
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['add', 'fail', 'wait'])
      expect((await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).structuredContent).toEqual({ sum: 5, trigger: 'mcp' })
      expect((await client.callTool({ name: 'add', arguments: { a: 2 } })).isError).toBe(true)
      expect(await client.callTool({ name: 'fail', arguments: {} })).toMatchObject({ isError: true, content: [{ type: 'text', text: 'no luck' }] })

      const file = await marker()
      const controller = new AbortController()
      const pending = client.callTool({ name: 'wait', arguments: { marker: file } }, { signal: controller.signal })
      await until(() => existsSync(file), 'the function to start')
      controller.abort()
      await expect(pending).rejects.toThrow()
      await until(() => readFileSync(file, 'utf8') === 'aborted: true', 'the function to see the abort')

      await writeFile(join(dir, 'shout.ts'), `export const meta = { description: 'Shouts', inputSchema: { type: 'object' } }
        export default async () => 'HEY'`)
      await until(() => seen.some((names) => names.includes('shout')), 'the new tool to be announced')
      expect((await client.callTool({ name: 'shout', arguments: {} })).content).toEqual([{ type: 'text', text: 'HEY' }])
      await rm(join(dir, 'shout.ts'))
      await until(() => seen.length > 0 && !seen.at(-1)!.includes('shout'), 'the removed tool to be announced')
    } finally {
      await client.close()
    }
  })

  it('serves a v1 (2025-era) client: list, call, cancellation, list_changed', async () => {
    const client = new V1Client({ name: 'stdio-v1', version: '1.0.0' })
    let changes = 0
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changes++
    })
    await client.connect(new V1StdioTransport(server()))
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['add', 'fail', 'wait'])
      expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent).toEqual({ sum: 2, trigger: 'mcp' })

      const file = await marker()
      const controller = new AbortController()
      const pending = client.callTool({ name: 'wait', arguments: { marker: file } }, undefined, { signal: controller.signal })
      await until(() => existsSync(file), 'the function to start')
      controller.abort()
      await expect(pending).rejects.toThrow()
      await until(() => readFileSync(file, 'utf8') === 'aborted: true', 'the function to see the abort')

      await writeFile(join(dir, 'shout.ts'), `export const meta = { description: 'Shouts', inputSchema: { type: 'object' } }
        export default async () => 'HEY'`)
      await until(() => changes >= 1, 'list_changed after the add')
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('shout')
      const before = changes
      await rm(join(dir, 'shout.ts'))
      await until(() => changes > before, 'list_changed after the removal')
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('shout')
    } finally {
      await client.close()
    }
  })

  it('keeps the level a 2025-era client set with logging/setLevel for the connection', async () => {
    await writeFile(
      join(dir, 'chatty.ts'),
      `export const meta = { description: 'Logs', inputSchema: { type: 'object' } }
      export default async () => { console.info('i'); console.warn('w'); console.error('e'); return 'done' }`,
    )
    const client = new V1Client({ name: 'stdio-v1-logs', version: '1.0.0' })
    const messages: string[] = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, async (notification) => {
      messages.push(`${notification.params.level}:${String(notification.params.data)}`)
    })
    await client.connect(new V1StdioTransport(server()))
    try {
      await until(async () => (await client.listTools()).tools.some((t) => t.name === 'chatty'), 'the tool to be listed')
      await client.callTool({ name: 'chatty', arguments: {} })
      expect(messages).toEqual(['info:i', 'warning:w', 'error:e'])
      messages.length = 0
      await client.setLoggingLevel('error')
      await client.callTool({ name: 'chatty', arguments: {} })
      expect(messages).toEqual(['error:e'])
    } finally {
      await client.close()
      await rm(join(dir, 'chatty.ts'))
    }
  })

  it('gives the functions a MongoDB (--mongo-url, --db) and cloud.env (--env, --pass-env)', { timeout: 60_000 }, async () => {
    const mongo = await startMongo()
    const db = uniqueDbName('stdio')
    await writeFile(
      join(dir, 'note.ts'),
      `import cloud from '@scraping-run/cloud'
      export const meta = { description: 'Saves a note', inputSchema: { type: 'object' } }
      export default async () => {
        const { insertedId } = await cloud.mongo.db.collection('notes').insertOne({ text: 'hi' })
        return { db: cloud.mongo.db.databaseName, id: String(insertedId), greeting: cloud.env.GREETING, passed: cloud.env.PASSED, leaked: cloud.env.SECRET }
      }`,
    )
    const client = new V1Client({ name: 'stdio-v1-mongo', version: '1.0.0' })
    await client.connect(
      new V1StdioTransport(server(['--mongo-url', mongo.uri, '--db', db, '--env', 'GREETING=a=b', '--pass-env', 'PASSED'], { PASSED: 'yes', SECRET: 'no' })),
    )
    try {
      await until(async () => (await client.listTools()).tools.some((t) => t.name === 'note'), 'the tool to be listed')
      const result = await client.callTool({ name: 'note', arguments: {} })
      expect(result.isError).toBeFalsy()
      // Only what the command line passes reaches cloud.env, not the whole environment.
      expect(result.structuredContent).toEqual({ db, id: expect.stringMatching(/^[0-9a-f]{24}$/), greeting: 'a=b', passed: 'yes' })
    } finally {
      await client.close()
      await rm(join(dir, 'note.ts'))
      await mongo.stop()
    }
  })
})
