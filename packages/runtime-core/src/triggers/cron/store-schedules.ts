import type { Executor, ExecutorEvent, FunctionInfo } from '../../types.js'
import { declaredSchedule, toEntry, type Entry } from './schedule.js'

interface Target {
  put(entry: Entry): void
  remove(key: string): void
  entries: Map<string, Entry>
  onError(error: unknown): void
  overlap: boolean
}

const keyOf = (name: string) => `fn:${name}`

/**
 * Keeps the function-declared schedules equal to the store: reads every function once (`executor.describe()`), then
 * re-reads one function on each `executor.watch` event, so a changed or deleted function changes or drops its schedule.
 * Refreshes of one name run in order, so a slow `describe` cannot bring back a schedule a later change removed.
 */
export async function followStore(executor: Executor, target: Target): Promise<() => void> {
  const queues = new Map<string, Promise<void>>()
  let active = true

  function apply(info: FunctionInfo): void {
    const declaration = declaredSchedule(info)
    if (!declaration) return target.remove(keyOf(info.name))
    try {
      const entry = toEntry({ name: info.name, ...declaration }, 'function', target.overlap)
      const current = target.entries.get(entry.key)
      // Unchanged schedule (the function's code changed): keep the armed timer rather than re-arming it.
      if (current && current.parsed.schedule === entry.parsed.schedule && current.parsed.timezone === entry.parsed.timezone) return
      target.put(entry)
    } catch (error) {
      target.remove(keyOf(info.name))
      target.onError(error)
    }
  }

  function refresh(name: string): void {
    const run = (queues.get(name) ?? Promise.resolve()).then(async () => {
      if (!active) return
      const [info] = await executor.describe(name)
      if (!active) return
      if (info) apply(info)
      else target.remove(keyOf(name))
    })
    const settled = run.catch(target.onError)
    queues.set(name, settled)
    void settled.then(() => {
      if (queues.get(name) === settled) queues.delete(name)
    })
  }

  async function refreshAll(): Promise<void> {
    const infos = await executor.describe()
    if (!active) return
    const names = new Set(infos.map((info) => info.name))
    for (const entry of [...target.entries.values()]) {
      if (entry.origin === 'function' && !names.has(entry.name)) target.remove(entry.key)
    }
    for (const info of infos) apply(info)
  }

  const onEvent = (event: ExecutorEvent): void => {
    if (event.type === 'reload' && event.name === undefined) void refreshAll().catch(target.onError)
    else if (event.name !== undefined) refresh(event.name)
  }
  // Watch first, so a change made while the first listing runs is not lost.
  const unwatch = executor.watch(onEvent)
  try {
    await refreshAll()
  } catch (error) {
    target.onError(error)
  }
  return () => {
    active = false
    unwatch()
    for (const entry of [...target.entries.values()]) if (entry.origin === 'function') target.remove(entry.key)
  }
}
