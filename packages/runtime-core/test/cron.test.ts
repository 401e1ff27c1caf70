// The cron scheduler in one process: schedules from records, `meta` and code; the store followed; interceptors; overlap.
import { afterEach, describe, expect, it } from 'vitest'
import {
  createExecutor,
  createScheduler,
  memoryLease,
  memoryStore,
  parseSchedule,
  type FunctionStore,
  type LeaseEntry,
  type CronRun,
  type CronSkip,
  type Executor,
  type Scheduler,
} from '@scraping-run/runtime-core'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function eventually(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

function setup(store: FunctionStore, options: Partial<Parameters<typeof createScheduler>[0]> = {}) {
  const executor: Executor = createExecutor({ store })
  const runs: CronRun[] = []
  const skips: CronSkip[] = []
  const errors: unknown[] = []
  const scheduler: Scheduler = createScheduler({
    executor,
    lease: memoryLease(),
    onRun: (run) => runs.push(run),
    onSkip: (skip) => skips.push(skip),
    onError: (error) => errors.push(error),
    ...options,
  })
  cleanups.push(async () => {
    await scheduler.stop()
    await executor.close()
  })
  return { executor, scheduler, runs, skips, errors }
}

const everySecond = (body = 'return ctx.trigger') =>
  `export const meta = { schedule: '* * * * * *' }\nexport default async (ctx: any) => { ${body} }`

describe('parseSchedule', () => {
  it('parses 5 fields, 6 with seconds, nicknames and timezones', () => {
    const from = new Date('2026-01-01T00:00:00.300Z')
    expect(parseSchedule('* * * * * *').next(from)?.toISOString()).toBe('2026-01-01T00:00:01.000Z')
    expect(parseSchedule('*/5 * * * *').next(from)?.toISOString()).toBe('2026-01-01T00:05:00.000Z')
    expect(parseSchedule('@hourly').next(from)?.toISOString()).toBe('2026-01-01T01:00:00.000Z')
    // 09:00 in Paris is 08:00 UTC in winter; without a timezone schedules are UTC, the same on every replica.
    expect(parseSchedule('0 9 * * *', 'Europe/Paris').next(from)?.toISOString()).toBe('2026-01-01T08:00:00.000Z')
    expect(parseSchedule('0 9 * * *').next(from)?.toISOString()).toBe('2026-01-01T09:00:00.000Z')
  })

  it('refuses bad patterns, dates and timezones with INVALID_SCHEDULE', () => {
    for (const [pattern, timezone] of [['bad'], ['* * *'], ['61 * * * *'], ['2026-01-01T00:00:00'], [42], [''], ['* * * * *', 'Mars/Olympus']]) {
      expect(() => parseSchedule(pattern, timezone)).toThrow(expect.objectContaining({ code: 'INVALID_SCHEDULE' }))
    }
  })
})

describe('createScheduler', () => {
  it('fires a function declaring meta.schedule with trigger {kind: cron, name, scheduledAt} through executor.invoke', async () => {
    const { scheduler, runs } = setup(memoryStore([{ name: 'beat', source: everySecond() }, { name: 'plain', source: 'export default () => 1' }]))
    await scheduler.start()
    expect(scheduler.list()).toMatchObject([{ name: 'beat', functionName: 'beat', schedule: '* * * * * *', origin: 'function' }])
    await eventually(() => runs.length >= 2, 'two runs')
    for (const run of runs) {
      expect(run.result.error).toBeUndefined()
      expect(run.result.data).toEqual({ kind: 'cron', name: 'beat', scheduledAt: run.scheduledAt })
      expect(run.scheduledAt).toMatch(/T\d\d:\d\d:\d\d\.000Z$/)
    }
    expect(new Set(runs.map((run) => run.scheduledAt)).size).toBe(runs.length)
  }, 15_000)

  it('follows the store: a changed schedule, a schedule removed, a deleted and an added function', async () => {
    const store = memoryStore([{ name: 'a', source: everySecond() }])
    const { scheduler, runs } = setup(store)
    await scheduler.start()
    await eventually(() => runs.length >= 1, 'a first run')
    store.set({ name: 'a', source: "export const meta = { schedule: '0 0 1 1 *', timezone: 'Asia/Tokyo' }\nexport default () => 1" })
    await eventually(() => scheduler.list()[0]?.schedule === '0 0 1 1 *', 'the new schedule')
    expect(scheduler.list()[0]).toMatchObject({ timezone: 'Asia/Tokyo', next: expect.stringMatching(/-12-31T15:00:00.000Z$/) })
    store.set({ name: 'a', source: 'export default () => 1' })
    await eventually(() => scheduler.list().length === 0, 'the schedule dropped')
    store.set({ name: 'b', source: everySecond() })
    await eventually(() => scheduler.list().some((entry) => entry.name === 'b'), 'b scheduled')
    store.delete('b')
    await eventually(() => scheduler.list().length === 0, 'b dropped with its function')
    const count = runs.length
    await sleep(1500)
    expect(runs.length).toBe(count)
  }, 20_000)

  it('reports a function whose schedule does not parse (INVALID_SCHEDULE) and schedules the others', async () => {
    const store = memoryStore([
      { name: 'bad', source: "export const meta = { schedule: 'every minute' }\nexport default () => 1" },
      { name: 'good', source: everySecond() },
    ])
    const { scheduler, errors } = setup(store)
    await scheduler.start()
    expect(scheduler.list().map((entry) => entry.name)).toEqual(['good'])
    expect(errors).toEqual([expect.objectContaining({ code: 'INVALID_SCHEDULE', message: expect.stringContaining('bad') })])
  })

  it('runs programmatic schedules, named on their own, and refuses invalid ones', async () => {
    const store = memoryStore([{ name: 'report', source: 'export default (ctx: any) => ctx.trigger.name' }])
    const { scheduler, runs } = setup(store, { schedules: [{ name: 'nightly-report', function: 'report', schedule: '* * * * * *' }] })
    expect(() => scheduler.add({ name: 'x', schedule: 'nope' })).toThrow(expect.objectContaining({ code: 'INVALID_SCHEDULE' }))
    await scheduler.start()
    await eventually(() => runs.length >= 1, 'a run')
    expect(runs[0]).toMatchObject({ name: 'nightly-report', functionName: 'report', result: { data: 'nightly-report' } })
    const remove = scheduler.add({ name: 'again', function: 'report', schedule: '* * * * * *' })
    expect(scheduler.list().map((entry) => entry.name).sort()).toEqual(['again', 'nightly-report'])
    remove()
    expect(scheduler.list().map((entry) => entry.name)).toEqual(['nightly-report'])
  }, 15_000)

  it('an interceptor refusing cron is respected: the function does not run', async () => {
    const store = memoryStore([{ name: 'beat', source: everySecond("return 'ran'") }])
    const { executor, scheduler, runs } = setup(store)
    executor.use(async (ctx, next) => (ctx.trigger.kind === 'cron' ? { refused: ctx.trigger.scheduledAt } : next()))
    await scheduler.start()
    await eventually(() => runs.length >= 2, 'two ticks')
    for (const run of runs) expect(run.result.data).toEqual({ refused: run.scheduledAt })
    expect((await executor.invoke('beat')).data).toBe('ran')
  }, 15_000)

  it('does not overlap a run with itself unless configured to', async () => {
    const slow = everySecond('const start = Date.now(); await new Promise((r) => setTimeout(r, 2200)); return { start, end: Date.now() }')
    const single = setup(memoryStore([{ name: 'slow', source: slow }]))
    const overlapping = setup(memoryStore([{ name: 'slow', source: slow }]), { overlap: true })
    await Promise.all([single.scheduler.start(), overlapping.scheduler.start()])
    await eventually(() => single.runs.length >= 2 && overlapping.runs.length >= 3, 'runs of both', 12_000)
    const spans = (runs: CronRun[]) => runs.map((run) => run.result.data as { start: number; end: number }).sort((a, b) => a.start - b.start)
    const overlaps = (list: { start: number; end: number }[]) => list.some((span, i) => i > 0 && span.start < list[i - 1]!.end)
    expect(overlaps(spans(single.runs))).toBe(false)
    expect(single.skips.some((skip) => skip.reason === 'overlap')).toBe(true)
    expect(overlaps(spans(overlapping.runs))).toBe(true)
  }, 20_000)

  it('a schedule changed while its run is going keeps firing once that run ends', async () => {
    const slow = (pattern: string) => `export const meta = { schedule: '${pattern}' }\nexport default async () => { await new Promise((r) => setTimeout(r, 1500)); return '${pattern}' }`
    const store = memoryStore([{ name: 'slow', source: slow('* * * * * *') }])
    const { scheduler, runs } = setup(store)
    await scheduler.start()
    await sleep(1300) // the first run has started and is still running
    store.set({ name: 'slow', source: slow('*/2 * * * * *') })
    await eventually(() => runs.some((run) => run.result.data === '*/2 * * * * *'), 'a run of the new schedule', 10_000)
  }, 20_000)

  it('renews the running lease, so a run longer than ttlMs still keeps other hosts from overlapping it', async () => {
    const table = new Map<string, LeaseEntry>()
    const slow = everySecond('const start = Date.now(); await new Promise((r) => setTimeout(r, 1600)); return { start, end: Date.now() }')
    const hosts = ['a', 'b'].map((holder) => setup(memoryStore([{ name: 'slow', source: slow }]), { lease: memoryLease({ holder, table }), ttlMs: 600 }))
    await Promise.all(hosts.map((host) => host.scheduler.start()))
    await eventually(() => hosts[0]!.runs.length + hosts[1]!.runs.length >= 3, 'three runs', 15_000)
    const spans = hosts.flatMap((host) => host.runs.map((run) => run.result.data as { start: number; end: number })).sort((x, y) => x.start - y.start)
    expect(spans.some((span, i) => i > 0 && span.start < spans[i - 1]!.end)).toBe(false)
    expect(hosts.flatMap((host) => host.errors)).toEqual([])
  }, 20_000)

  it("a store's record schedule wins over the module's meta", async () => {
    const inner = memoryStore([{ name: 'job', source: "export const meta = { schedule: '0 0 1 1 *' }\nexport default () => 1" }])
    const withSchedule = async <T>(record: T) => record && { ...record, schedule: '*/30 * * * * *', timezone: 'Europe/Paris' }
    const store: FunctionStore = {
      list: async () => Promise.all((await inner.list()).map(withSchedule)),
      get: async (name) => withSchedule(await inner.get(name)),
      watch: (listener) => inner.watch(listener),
    }
    const { scheduler } = setup(store)
    await scheduler.start()
    expect(scheduler.list()).toMatchObject([{ name: 'job', schedule: '*/30 * * * * *', timezone: 'Europe/Paris', origin: 'function' }])
  })

  it('a failing lease backend goes to onError; the host keeps going', async () => {
    const failing = { holder: 'x', acquire: async () => Promise.reject(new Error('MongoDB unreachable')), renew: async () => true, release: async () => true }
    const { scheduler, runs, errors } = setup(memoryStore([{ name: 'beat', source: everySecond() }]), { lease: failing })
    await scheduler.start()
    await eventually(() => errors.length >= 2, 'two reported failures')
    expect(errors[0]).toMatchObject({ message: 'MongoDB unreachable' })
    expect(runs).toEqual([])
  }, 15_000)

  it('stop() waits for the running run and releases its lease, so another host runs the next tick', async () => {
    const table = new Map<string, LeaseEntry>()
    const slow = everySecond('await new Promise((r) => setTimeout(r, 800)); return ctx.trigger.scheduledAt')
    const [a, b] = ['a', 'b'].map((holder) => setup(memoryStore([{ name: 'slow', source: slow }]), { lease: memoryLease({ holder, table }), ttlMs: 60_000 }))
    await a!.scheduler.start()
    await eventually(() => [...table.keys()].some((key) => key.endsWith(':running')), 'a run under way')
    await a!.scheduler.stop()
    expect(a!.runs).toHaveLength(1)
    expect([...table.keys()].some((key) => key.endsWith(':running'))).toBe(false)
    await b!.scheduler.start()
    await eventually(() => b!.runs.length >= 1, 'b runs the next tick (no 60 s lease left behind)', 5000)
  }, 15_000)

  it('refuses bad options with BAD_REQUEST', () => {
    const executor = createExecutor({ store: memoryStore() })
    cleanups.push(() => executor.close())
    expect(() => createScheduler({ executor } as never)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    expect(() => createScheduler({ executor, lease: memoryLease(), maxLateMs: 9000 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    expect(() => createScheduler({ executor, lease: memoryLease(), missed: 'all' as never })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })

  it('refuses to start two schedulers on one lease (both would win every tick)', async () => {
    const lease = memoryLease()
    const first = setup(memoryStore(), { lease })
    const second = setup(memoryStore(), { lease })
    await first.scheduler.start()
    await expect(second.scheduler.start()).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await first.scheduler.stop()
    await second.scheduler.start()
  })
})
