#!/usr/bin/env node
// scraping-run-mcp: serves a folder of functions as MCP tools over stdio, for desktop agents.
// stdout carries the protocol, so everything human-readable goes to stderr.
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { serveExecutorStdio } from './stdio.js'

const USAGE = `Usage: scraping-run-mcp --functions <dir> [--name <name>] [--timeout <ms>]

Serves every function in <dir> that has a description and an inputSchema (in <name>.json beside it,
or an exported \`meta\`) as an MCP tool over stdio. Edits in <dir> reach the client as tools/list_changed.`

async function main(): Promise<void> {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        functions: { type: 'string', short: 'f' },
        name: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    process.exit(2)
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`)
    return
  }
  if (!values.functions) {
    process.stderr.write(`--functions <dir> is required\n\n${USAGE}\n`)
    process.exit(2)
  }
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout)
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    process.stderr.write('--timeout must be a positive number of milliseconds\n')
    process.exit(2)
  }

  const { consoleSink, createExecutor, directoryStore } = await import('@scraping-run/runtime-core')
  const store = directoryStore(values.functions, { watch: true })
  const executor = createExecutor({
    store,
    // Function console output and errors on stderr: stdout is the protocol channel.
    logSink: consoleSink({ stream: process.stderr }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  })
  const server = await serveExecutorStdio(executor, {
    name: values.name ?? 'scraping-run',
    version: (createRequire(import.meta.url)('../package.json') as { version: string }).version,
    onError: (error) => process.stderr.write(`scraping-run-mcp: ${error.message}\n`),
  })

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await server.close().catch(() => undefined)
    await executor.close().catch(() => undefined)
    await store.close?.()
    process.exit(0)
  }
  // The client closing our stdin is the stdio binding's "shut down" signal; the store watcher would keep us alive otherwise.
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`scraping-run-mcp: ${(error as Error).message}\n`)
  process.exit(1)
})
