import { ConsoleError } from './errors.js'
import type { ConsoleEnvironment, ConsoleOptions, LogSource } from './types.js'

const isLogSource = (value: unknown): value is LogSource => typeof (value as LogSource | undefined)?.queryLogs === 'function'

/** The environments in promotion order, each with what it has (executor, logs). */
export function resolveEnvironments(options: ConsoleOptions): Map<string, ConsoleEnvironment> {
  const out = new Map<string, ConsoleEnvironment>()
  if (options.executors) for (const [name, executor] of Object.entries(options.executors)) out.set(name, { executor })
  if (Array.isArray(options.environments)) for (const name of options.environments) out.set(name, out.get(name) ?? {})
  else if (options.environments) for (const [name, env] of Object.entries(options.environments)) out.set(name, { ...out.get(name), ...env })
  if (out.size === 0) throw new ConsoleError('INVALID_OPTIONS', 'consoleRouter needs executors {dev, staging, prod} or environments: the console shows one tab per environment')
  for (const [name, env] of out) {
    const logs = isLogSource(options.logs) ? options.logs : options.logs?.[name]
    if (!env.logs && logs) env.logs = logs
    if (env.logs && !isLogSource(env.logs)) throw new ConsoleError('INVALID_OPTIONS', `logs of environment ${name} must have queryLogs(query) (mongoSink or memorySink)`)
    if (env.executor && typeof env.executor.invoke !== 'function') throw new ConsoleError('INVALID_OPTIONS', `the executor of environment ${name} has no invoke(): pass createExecutor(…)`)
  }
  return out
}
