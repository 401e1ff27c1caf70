import { Cron } from 'croner'
import { RuntimeError } from '../../errors.js'
import type { FunctionInfo } from '../../types.js'

/** A parsed schedule: the pattern, its timezone, and the next time it is due. */
export interface ParsedSchedule {
  schedule: string
  timezone?: string
  /** The first time strictly after `after` (whole seconds), or `null` if the pattern never fires again. */
  next(after: Date): Date | null
}

/** What a function declares: `schedule` (5 fields, or 6 with seconds first) and an optional IANA `timezone`. */
export interface ScheduleDeclaration {
  schedule: string
  timezone?: string
}

/**
 * Parses a cron pattern with croner: 5 fields (minute first) or 6 (seconds first), nicknames such as `@hourly`, in UTC or
 * the given IANA timezone (daylight-saving gaps and repeats handled by croner). Anything else is `INVALID_SCHEDULE`.
 */
export function parseSchedule(schedule: unknown, timezone?: unknown, where = 'schedule'): ParsedSchedule {
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    throw new RuntimeError('INVALID_SCHEDULE', `${where}: a schedule must be a cron pattern such as '*/5 * * * *', got ${describe(schedule)}`)
  }
  if (timezone !== undefined && (typeof timezone !== 'string' || !validTimezone(timezone))) {
    throw new RuntimeError('INVALID_SCHEDULE', `${where}: unknown timezone ${describe(timezone)} (use an IANA name such as 'Europe/Paris')`)
  }
  let cron: Cron
  try {
    // `paused`: croner is used only to compute times; the scheduler owns the timers (and the lease around each tick).
    cron = new Cron(schedule, { paused: true, timezone: timezone ?? 'UTC', mode: '5-or-6-parts' })
  } catch (error) {
    throw new RuntimeError('INVALID_SCHEDULE', `${where}: ${schedule}: ${(error as Error).message}`, { cause: error })
  }
  // croner also accepts an ISO date (a one-off run); a schedule must repeat.
  if (cron.getPattern() === undefined) throw new RuntimeError('INVALID_SCHEDULE', `${where}: '${schedule}' is a date, not a cron pattern`)
  const parsed: ParsedSchedule = { schedule, next: (after) => cron.nextRun(after) }
  if (timezone !== undefined) parsed.timezone = timezone
  return parsed
}

/**
 * The schedule a function declares: the record's own `schedule`/`timezone` (for stores that keep them), else the module's
 * exported `meta.schedule`/`meta.timezone` as `executor.describe()` reports it. `undefined` when it declares none.
 */
export function declaredSchedule(info: FunctionInfo): ScheduleDeclaration | undefined {
  const record = info as FunctionInfo & Partial<ScheduleDeclaration>
  if (record.schedule !== undefined) return pick(record.schedule, record.timezone)
  const meta = info.meta
  if (meta && typeof meta === 'object' && !Array.isArray(meta) && meta.schedule !== undefined) {
    return pick(meta.schedule, meta.timezone ?? undefined)
  }
  return undefined
}

function pick(schedule: unknown, timezone: unknown): ScheduleDeclaration {
  // Types are checked by parseSchedule; this only carries the values.
  const declaration = { schedule } as ScheduleDeclaration
  if (timezone !== undefined) declaration.timezone = timezone as string
  return declaration
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
    return true
  } catch {
    return false
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return typeof value
  }
}

export interface CronScheduleInput {
  /** The schedule's name: `ctx.trigger.name`, and part of the lease keys, so give it the same name on every host. */
  name: string
  /** The function to call. Default: `name`. */
  function?: string
  schedule: string
  timezone?: string
  /** Let a run start while the previous one still runs (on any host). Default: the scheduler's `overlap`. */
  overlap?: boolean
}

/** One armed schedule. `key` is unique per scheduler and the same on every host. */
export interface Entry {
  key: string
  name: string
  functionName: string
  origin: 'function' | 'program'
  parsed: ParsedSchedule
  overlap: boolean
  timer?: NodeJS.Timeout
  next: Date | null
}

export function toEntry(input: CronScheduleInput, origin: Entry['origin'], overlap: boolean): Entry {
  if (typeof input !== 'object' || input === null || typeof input.name !== 'string' || input.name === '') {
    throw new RuntimeError('INVALID_SCHEDULE', 'a schedule needs a name')
  }
  const functionName = input.function ?? input.name
  const parsed = parseSchedule(input.schedule, input.timezone, `schedule ${input.name}`)
  // Function-declared and programmatic schedules live in separate key spaces, so a name may be both.
  const key = `${origin === 'function' ? 'fn' : 'app'}:${input.name}`
  return { key, name: input.name, functionName, origin, parsed, overlap: input.overlap ?? overlap, next: null }
}
