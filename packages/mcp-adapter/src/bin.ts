#!/usr/bin/env node
// scraping-run-mcp: serves a folder of functions as MCP tools over stdio, for desktop agents.
// stdout carries the protocol, so everything human-readable goes to stderr.
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { serveExecutorStdio } from './stdio.js'

const USAGE = `Usage: scraping-run-mcp --functions <dir> [--name <name>] [--timeout <ms>]
         [--mongo-url <url> [--db <name>]] [--env KEY=VALUE]... [--pass-env KEY]...

Serves every function in <dir> that has a description and an inputSchema (in <name>.json beside it,
or an exported \`meta\`) as an MCP tool over stdio. Edits in <dir> reach the client as tools/list_changed.

  --mongo-url   what cloud.mongo connects to (default: the MONGODB_URL environment variable, if set)
  --db          the database cloud.mongo.db is (default: the URL's own)
  --env         a variable for cloud.env (repeatable)
  --pass-env    copies a variable of this process's environment into cloud.env (repeatable)`

/** cloud.env from --env KEY=VALUE and --pass-env KEY, or the message for a malformed pair. */
function envFrom(pairs: string[], passed: string[]): Record<string, string> | string {
  const env: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) return `--env needs KEY=VALUE, got ${JSON.stringify(pair)}`
    env[pair.slice(0, at)] = pair.slice(at + 1)
  }
  for (const key of passed) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }
  return env
}

interface Args {
  functions: string
  name: string | undefined
  timeoutMs: number | undefined
  env: Record<string, string>
  mongoUrl: string | undefined
  db: string | undefined
}

/** The command line, checked; exits with usage on a mistake. */
function readArgs(): Args {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        functions: { type: 'string', short: 'f' },
        name: { type: 'string' },
        timeout: { type: 'string' },
        'mongo-url': { type: 'string' },
        db: { type: 'string' },
        env: { type: 'string', multiple: true },
        'pass-env': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    process.exit(2)
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(0)
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

  const env = envFrom(values.env ?? [], values['pass-env'] ?? [])
  if (typeof env === 'string') {
    process.stderr.write(`${env}\n`)
    process.exit(2)
  }
  const mongoUrl = values['mongo-url'] ?? process.env.MONGODB_URL
  return { functions: values.functions, name: values.name, timeoutMs, env, mongoUrl, db: values.db }
}

async function main(): Promise<void> {
  const args = readArgs()
  const { consoleSink, createExecutor, directoryStore } = await import('@scraping-run/runtime-core')
  const store = directoryStore(args.functions, { watch: true })
  const executor = createExecutor({
    store,
    // Function console output and errors on stderr: stdout is the protocol channel.
    logSink: consoleSink({ stream: process.stderr }),
    ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
    ...(args.mongoUrl ? { mongo: { uri: args.mongoUrl, ...(args.db ? { dbName: args.db } : {}) } } : {}),
    env: args.env,
  })
  const server = await serveExecutorStdio(executor, {
    name: args.name ?? 'scraping-run',
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
