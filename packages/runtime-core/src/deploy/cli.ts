import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { RuntimeError } from '../errors.js'
import { directoryStore } from '../stores/directory.js'
import { envRegistry } from './env.js'
import { functionRegistry, type Deployment } from './registry.js'
import { httpTarget, registryTarget, type DeployTarget } from './target.js'

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
  env: Record<string, string | undefined>
}

export const CLI_USAGE = `usage: scraping-run <command> [options]

commands:
  deploy <dir> --env dev                  put and publish every function of a folder (with its .json metadata)
  promote <name|--all> --from dev --to staging
  history <name> --env dev
  rollback <name> --env dev --version N
  env set KEY=VALUE [--secret] --env dev

target (one of):
  --url URL --token JWT                   the admin API (SCRAPING_RUN_URL, SCRAPING_RUN_TOKEN)
  --mongo URI [--db NAME]                 MongoDB itself (SCRAPING_RUN_MONGO, SCRAPING_RUN_DB; default db "scraping-run")
                                          [--secret-key KEY] for secrets (SCRAPING_RUN_SECRET_KEY), [--pipeline dev,staging,prod]
`

const OPTIONS = {
  env: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  version: { type: 'string' },
  all: { type: 'boolean' },
  secret: { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  mongo: { type: 'string' },
  db: { type: 'string' },
  'secret-key': { type: 'string' },
  pipeline: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values']

/** Runs one CLI command; resolves to the exit code (0 ok, 1 failed, 2 usage). Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${CLI_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help || !command) {
    ;(values.help ? io.stdout : io.stderr).write(CLI_USAGE)
    return values.help ? 0 : 2
  }
  let target: DeployTarget | undefined
  try {
    target = await openTarget(values, io.env)
    return await runCommand(command, rest, values, target, io)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    io.stderr.write(`error: ${(error as Error).message}${typeof code === 'string' ? ` (${code})` : ''}\n`)
    return 1
  } finally {
    await target?.close().catch(() => undefined)
  }
}

async function runCommand(command: string, rest: string[], values: Values, target: DeployTarget, io: CliIo): Promise<number> {
  const out = output(io)
  switch (command) {
    case 'deploy':
      return deploy(target, rest[0], need(values.env ?? io.env.SCRAPING_RUN_ENV, '--env'), out)
    case 'promote':
      return promote(target, values.all ? undefined : need(rest[0], '<name> or --all'), need(values.from, '--from'), need(values.to, '--to'), out)
    case 'history': {
      const entries = await target.history(need(rest[0], '<name>'), need(values.env, '--env'))
      const origin = (entry: Deployment) => (entry.promotedFrom ? `${entry.promotedFrom.environment}@${entry.promotedFrom.version}` : entry.rollbackOf ? `rollback of ${entry.rollbackOf}` : '')
      out.table(['version', 'action', 'by', 'at', 'hash', 'from'], entries.map((entry) => [entry.version, entry.action, entry.by ?? '', String(entry.at), (entry.hash ?? '').slice(0, 12), origin(entry)]))
      return 0
    }
    case 'rollback': {
      const version = Number(need(values.version, '--version'))
      const deployment = await target.rollback(need(rest[0], '<name>'), need(values.env, '--env'), version)
      out.line(`rolled back ${deployment.name} in ${deployment.environment} to version ${version}: now version ${deployment.version}`)
      return 0
    }
    case 'env': {
      if (rest[0] !== 'set') throw new RuntimeError('BAD_REQUEST', 'usage: env set KEY=VALUE [--secret] --env dev')
      const pair = need(rest[1], 'KEY=VALUE')
      const at = pair.indexOf('=')
      if (at <= 0) throw new RuntimeError('BAD_REQUEST', `expected KEY=VALUE, got ${JSON.stringify(pair)}`)
      const entry = await target.envSet(need(values.env, '--env'), pair.slice(0, at), pair.slice(at + 1), values.secret === true)
      out.line(`set ${entry.secret ? 'secret ' : ''}${entry.name} in ${values.env}`)
      return 0
    }
    default:
      io.stderr.write(`error: unknown command ${command}\n\n${CLI_USAGE}`)
      return 2
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new RuntimeError('BAD_REQUEST', `missing ${what}`)
  return value
}

async function openTarget(values: Values, env: Record<string, string | undefined>): Promise<DeployTarget> {
  const url = values.url ?? env.SCRAPING_RUN_URL
  const mongo = values.mongo ?? env.SCRAPING_RUN_MONGO
  if (url && !values.mongo) return httpTarget(url, values.token ?? env.SCRAPING_RUN_TOKEN)
  if (!mongo) throw new RuntimeError('BAD_REQUEST', 'no target: pass --url and --token (the admin API) or --mongo (MongoDB)')
  let driver: typeof import('mongodb')
  try {
    driver = await import('mongodb')
  } catch (error) {
    throw new RuntimeError('MISSING_PEER', '--mongo needs the mongodb package: npm install mongodb', { cause: error })
  }
  const client = new driver.MongoClient(mongo, { serverSelectionTimeoutMS: 10_000 })
  await client.connect()
  const db = client.db(values.db ?? env.SCRAPING_RUN_DB ?? 'scraping-run')
  const pipeline = (values.pipeline ?? env.SCRAPING_RUN_PIPELINE)?.split(',').filter(Boolean)
  const secretKey = values['secret-key'] ?? env.SCRAPING_RUN_SECRET_KEY
  const registry = functionRegistry({ db, ...(pipeline?.length ? { pipeline } : {}) })
  const envs = envRegistry({ db, ...(secretKey ? { secretKey } : {}) })
  return registryTarget(registry, envs, safeUser(), () => client.close())
}

function safeUser(): string | null {
  try {
    return userInfo().username
  } catch {
    return null
  }
}

interface Output {
  line(text: string): void
  progress(text: string): void
  table(header: string[], rows: Array<Array<string | number>>): void
}

/** A table and progress on a terminal; tab-separated lines, no progress, when piped. */
function output(io: CliIo): Output {
  const tty = io.stdout.isTTY === true
  return {
    line: (text) => void io.stdout.write(`${text}\n`),
    progress: (text) => void (tty && io.stdout.write(`${text}\n`)),
    table(header, rows) {
      if (!tty) {
        for (const row of rows) io.stdout.write(`${row.join('\t')}\n`)
        return
      }
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column]).length)))
      const format = (row: Array<string | number>) => row.map((cell, column) => String(cell).padEnd(widths[column]!)).join('  ').trimEnd()
      io.stdout.write(`${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n${rows.map(format).join('\n')}\n`)
    },
  }
}

async function deploy(target: DeployTarget, dir: string | undefined, environment: string, out: Output): Promise<number> {
  const records = await directoryStore(need(dir, '<dir>'), { watch: false }).list()
  if (!records.length) throw new RuntimeError('BAD_REQUEST', `no functions in ${dir}`)
  const rows: Array<Array<string | number>> = []
  for (const [index, { name, hash: _hash, ...draft }] of records.entries()) {
    out.progress(`[${index + 1}/${records.length}] ${name}`)
    await target.put(name, draft)
    const deployment = await target.publish(name, environment)
    rows.push([name, environment, deployment.version, (deployment.hash ?? '').slice(0, 12)])
  }
  out.table(['function', 'environment', 'version', 'hash'], rows)
  return 0
}

async function promote(target: DeployTarget, name: string | undefined, from: string, to: string, out: Output): Promise<number> {
  const names = name ? [name] : (await target.list(from)).map((entry) => entry.name)
  if (!names.length) throw new RuntimeError('BAD_REQUEST', `nothing is published in ${from}`)
  const rows: Array<Array<string | number>> = []
  for (const [index, each] of names.entries()) {
    out.progress(`[${index + 1}/${names.length}] ${each}`)
    const deployment = await target.promote(each, from, to)
    rows.push([each, `${from}@${deployment.promotedFrom?.version ?? '?'}`, `${to}@${deployment.version}`])
  }
  out.table(['function', 'from', 'to'], rows)
  return 0
}
