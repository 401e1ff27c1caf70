import { RuntimeError } from '../../errors.js'
import type { Lease } from '../../leases/types.js'
import type { Executor, InvokeResult } from '../../types.js'
import type { Entry } from './schedule.js'

export interface CronRun {
  name: string
  functionName: string
  scheduledAt: string
  holder: string
  result: InvokeResult
}

export interface CronSkip {
  name: string
  functionName: string
  scheduledAt: string
  reason: 'late' | 'overlap'
}

/** What a tick needs from its scheduler. `running` counts this host's runs per schedule key (it outlives re-armed entries). */
export interface TickRuntime {
  executor: Executor
  lease: Lease
  ttlMs: number
  maxLateMs: number
  running: Map<string, number>
  onRun?(run: CronRun): void
  onSkip?(skip: CronSkip): void
  onError(error: unknown): void
}

/**
 * One tick on this host: claim it (one host wins), take the schedule's running lease unless overlap is allowed, call the
 * function, release. The tick's claim is never released: it expires after ttlMs, by when no host still tries that tick
 * (it would be later than maxLateMs), so no host can run it twice.
 */
export async function runTick(runtime: TickRuntime, entry: Entry, due: Date): Promise<void> {
  const { lease, ttlMs } = runtime
  const scheduledAt = due.toISOString()
  const base = { name: entry.name, functionName: entry.functionName, scheduledAt }
  if (Date.now() - due.getTime() > runtime.maxLateMs) return runtime.onSkip?.({ ...base, reason: 'late' })
  const running = runtime.running.get(entry.key) ?? 0
  if (!entry.overlap && running > 0) return runtime.onSkip?.({ ...base, reason: 'overlap' })
  runtime.running.set(entry.key, running + 1)
  const runKey = entry.overlap ? undefined : `cron:${entry.key}:running`
  let renewer: NodeJS.Timeout | undefined
  let holdsRun = false
  try {
    if (!(await lease.acquire(`cron:${entry.key}@${scheduledAt}`, ttlMs))) return
    if (runKey) {
      holdsRun = await lease.acquire(runKey, ttlMs)
      if (!holdsRun) return runtime.onSkip?.({ ...base, reason: 'overlap' })
      renewer = setInterval(() => void renewRun(runtime, runKey, entry), ttlMs / 3)
    }
    const result = await runtime.executor.invoke(entry.functionName, { trigger: { kind: 'cron', name: entry.name, scheduledAt } })
    runtime.onRun?.({ ...base, holder: lease.holder, result })
  } catch (error) {
    runtime.onError(error)
  } finally {
    clearInterval(renewer)
    const left = (runtime.running.get(entry.key) ?? 1) - 1
    if (left > 0) runtime.running.set(entry.key, left)
    else runtime.running.delete(entry.key)
    if (runKey && holdsRun) await lease.release(runKey).catch(runtime.onError)
  }
}

async function renewRun(runtime: TickRuntime, runKey: string, entry: Entry): Promise<void> {
  const renewed = await runtime.lease.renew(runKey, runtime.ttlMs).catch((error: unknown) => (runtime.onError(error), true))
  if (!renewed) {
    runtime.onError(new RuntimeError('LEASE_LOST', `cron ${entry.name}: lost the lease of the running run; another host may start the next one`))
  }
}
