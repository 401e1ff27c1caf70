import type { AdminPrincipal, AdminRequest, EnvRegistry, Executor, FunctionRegistry, InvocationLog, LogQuery } from '@scraping-run/runtime-core'

/** Anything that answers log queries: `mongoSink(…)` or `memorySink()` of runtime-core. */
export interface LogSource {
  queryLogs(query?: LogQuery): Promise<InvocationLog[]>
}

/** One environment the console shows: its executor runs the run panel's calls; its logs fill the logs table and chart. */
export interface ConsoleEnvironment {
  executor?: Pick<Executor, 'invoke' | 'describe' | 'getToken'>
  logs?: LogSource
}

/** An MCP tool as an agent sees it in `tools/list`. */
export interface ConsoleMcpTool {
  name: string
  title?: string
  description?: string
  inputSchema?: unknown
  annotations?: unknown
}

/** What the MCP panel uses: the tool list and a call, e.g. an MCP client connected to the host's `/mcp`. */
export interface ConsoleMcp {
  listTools(): Promise<ConsoleMcpTool[]>
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>
}

/** The db-proxy parts the policies panel uses: the policies to show and `proxy.check` for the tester. */
export interface ConsoleProxy {
  policies: Record<string, unknown> | (() => Promise<Record<string, unknown>>)
  check(policyName: string, request: unknown, user?: Record<string, unknown> | null): Promise<unknown>
}

/**
 * The admin authentication of runtime-core's admin API: admin JWTs (`type: 'admin'`) signed with `jwtSecret`, or your own
 * check returning a principal (null refuses).
 */
export type ConsoleAuthenticate = { jwtSecret: string } | ((request: AdminRequest) => AdminPrincipal | null | undefined | Promise<AdminPrincipal | null | undefined>)

export interface ConsoleOptions {
  /** The registry the admin API deploys with (`functionRegistry({db, pipeline})`). */
  registry: FunctionRegistry
  /** Env variables and secrets (`envRegistry({db, secretKey})`); without it the env panel is empty. */
  env?: EnvRegistry
  /** Executors by environment, in promotion order: `{dev, staging, prod}`. */
  executors?: Record<string, ConsoleEnvironment['executor']>
  /** Instead of `executors`: environments by name (in promotion order), each with its executor and logs, or just the names. */
  environments?: string[] | Record<string, ConsoleEnvironment>
  /** Invocation logs: one source for every environment, or one per environment. */
  logs?: LogSource | Record<string, LogSource>
  mcp?: ConsoleMcp
  proxy?: ConsoleProxy
  authenticate: ConsoleAuthenticate
  /** The page's title. Default "scraping-run console". */
  title?: string
}
