import { RuntimeError } from '../errors.js'
import type { Lease } from '../leases/types.js'
import type { Executor } from '../types.js'
import { toEntry, type CronScheduleInput, type Entry } from './cron/schedule.js'
import { followStore } from './cron/store-schedules.js'
import { runTick, type CronRun, type CronSkip, type TickRuntime } from './cron/tick.js'

export type { CronRun, CronScheduleInput, CronSkip }

export interface SchedulerOptions {
  executor: Executor
  /** One host fires each tick: the one whose lease acquires it. `memoryLease()` for one process, `mongoLease()` for many. */
  lease: Lease
  /** Schedules declared by functions (record or `meta.schedule`), followed as the store changes. Default `true`. */
  fromStore?: boolean
  /** Programmatic schedules (also `scheduler.add()`). */
  schedules?: CronScheduleInput[]
  /** Lease length for a tick and for a running run (renewed every third of it). Default 10 s. */
  ttlMs?: number
  /** Default for every schedule: may a run overlap the previous one? Default `false` (the tick is skipped). */
  overlap?: boolean
  /** Ticks missed while no host was up or the host was blocked: `'skip'` (the only policy so far). */
  missed?: 'skip'
  /** A tick this late is missed (skipped). Default and maximum: half of `ttlMs`, so a tick can never be claimed twice. */
  maxLateMs?: number
  /** Called on this host after each run it fired. */
  onRun?(run: CronRun): void
  /** Called for each tick this host skipped: `late` (missed) or `overlap` (the previous run was still going). */
  onSkip?(skip: CronSkip): void
  /** A schedule a function declares that does not parse, a lease backend failing. Default: `console.warn`. */
  onError?(error: unknown): void
}

export interface ScheduleInfo {
  name: string
  functionName: string
  schedule: string
  timezone?: string
  /** `function` when a function declares it (record or `meta`), `program` when added in code. */
  origin: 'function' | 'program'
  /** The next time it is due, ISO, or `null`. */
  next: string | null
}

export interface Scheduler {
  /** Reads schedules from the store (unless `fromStore: false`) and arms the timers. */
  start(): Promise<void>
  /** Stops timers and store watching, waits for runs of this host to end and releases their leases. */
  stop(): Promise<void>
  /** Adds a programmatic schedule (throws `INVALID_SCHEDULE`); returns a function that removes it. */
  add(schedule: CronScheduleInput): () => void
  list(): ScheduleInfo[]
}

// Leases of running schedulers. Acquire is re-entrant for its holder, so two schedulers on one lease would both win a tick.
const leasesInUse = new WeakSet<Lease>()

// setTimeout's limit (~24.8 days); a later tick is reached by re-arming.
const MAX_DELAY = 2 ** 31 - 1

/** Fires cron ticks through `executor.invoke` with `trigger: {kind: 'cron', name, scheduledAt}`, once across hosts. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { executor, lease } = checkOptions(options)
  const ttlMs = options.ttlMs ?? 10_000
  const maxLateMs = options.maxLateMs ?? ttlMs / 2
  const onError = options.onError ?? ((error: unknown) => console.warn('[scraping-run cron]', error instanceof Error ? error.message : error))
  const runtime: TickRuntime = { executor, lease, ttlMs, maxLateMs, running: new Map(), onError, onRun: options.onRun, onSkip: options.onSkip }
  const entries = new Map<string, Entry>()
  const inFlight = new Set<Promise<void>>()
  let started = false
  let stopping = false
  let unfollow: (() => void) | undefined

  function arm(entry: Entry, from: Date): void {
    clearTimeout(entry.timer)
    entry.next = entry.parsed.next(from)
    if (!started || entry.next === null) return
    const due = entry.next
    entry.timer = setTimeout(() => onTimer(entry, due), Math.min(Math.max(due.getTime() - Date.now(), 0), MAX_DELAY))
  }

  function onTimer(entry: Entry, due: Date): void {
    if (entries.get(entry.key) !== entry || !started) return
    const now = Date.now()
    if (now < due.getTime()) return arm(entry, new Date(due.getTime() - 1000)) // a capped delay: not due yet
    const run = runTick(runtime, entry, due).finally(() => inFlight.delete(run))
    inFlight.add(run)
    // After a long block, jump to the ticks still on time instead of walking every missed one.
    arm(entry, new Date(Math.max(due.getTime(), now - maxLateMs)))
  }

  function put(entry: Entry): void {
    const previous = entries.get(entry.key)
    if (previous) clearTimeout(previous.timer)
    entries.set(entry.key, entry)
    arm(entry, new Date())
  }

  function remove(key: string): void {
    const entry = entries.get(key)
    if (!entry) return
    clearTimeout(entry.timer)
    entries.delete(key)
  }

  function addProgrammatic(input: CronScheduleInput): () => void {
    const entry = toEntry(input, 'program', options.overlap ?? false)
    put(entry)
    return () => {
      if (entries.get(entry.key) === entry) remove(entry.key)
    }
  }

  for (const input of options.schedules ?? []) addProgrammatic(input)

  return {
    async start() {
      if (started || stopping) return
      if (leasesInUse.has(lease)) {
        throw new RuntimeError('BAD_REQUEST', 'this lease is used by another running scheduler: give each scheduler its own lease (with its own holder)')
      }
      leasesInUse.add(lease)
      started = true
      for (const entry of entries.values()) arm(entry, new Date())
      if (options.fromStore !== false) {
        unfollow = await followStore(executor, { put, remove, entries, onError, overlap: options.overlap ?? false })
      }
    },
    async stop() {
      if (started) leasesInUse.delete(lease)
      started = false
      stopping = true
      unfollow?.()
      for (const entry of entries.values()) clearTimeout(entry.timer)
      await Promise.allSettled([...inFlight])
      stopping = false
    },
    add: addProgrammatic,
    list: () => [...entries.values()].map(describeEntry),
  }
}

function describeEntry(entry: Entry): ScheduleInfo {
  const info: ScheduleInfo = { name: entry.name, functionName: entry.functionName, schedule: entry.parsed.schedule, origin: entry.origin, next: entry.next?.toISOString() ?? null }
  if (entry.parsed.timezone !== undefined) info.timezone = entry.parsed.timezone
  return info
}

function checkOptions(options: SchedulerOptions): SchedulerOptions {
  if (!options || typeof options.executor?.invoke !== 'function') throw new RuntimeError('BAD_REQUEST', 'createScheduler needs an `executor`')
  const lease = options.lease
  if (!lease || typeof lease.acquire !== 'function' || typeof lease.renew !== 'function' || typeof lease.release !== 'function') {
    throw new RuntimeError('BAD_REQUEST', 'createScheduler needs a `lease` (memoryLease() or mongoLease({db}))')
  }
  const ttlMs = options.ttlMs ?? 10_000
  if (typeof ttlMs !== 'number' || !(ttlMs >= 10)) throw new RuntimeError('BAD_REQUEST', 'ttlMs must be a number of milliseconds (at least 10)')
  if (options.maxLateMs !== undefined && !(options.maxLateMs >= 0 && options.maxLateMs <= ttlMs / 2)) {
    throw new RuntimeError('BAD_REQUEST', 'maxLateMs must be between 0 and half of ttlMs, or a late host could claim a tick again')
  }
  if (options.missed !== undefined && options.missed !== 'skip') throw new RuntimeError('BAD_REQUEST', "missed: only 'skip' is supported")
  return options
}
