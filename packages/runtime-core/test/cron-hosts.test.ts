// Three host processes on one embedded MongoDB fire an every-second schedule: each tick once, also across a SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { MongoClient, type Db } from 'mongodb'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'

const HOST = fileURLToPath(new URL('./fixtures/cron-host.mjs', import.meta.url))
const TTL_MS = 3000
const children = new Map<string, ChildProcess>()
let client: MongoClient | undefined

interface Beat {
  scheduledAt: string
  host: string
  at: number
}

async function stopAll(): Promise<void> {
  await Promise.all(
    [...children.values()].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    }),
  )
  children.clear()
}
afterEach(stopAll)
afterAll(async () => {
  await client?.close()
})

async function startHosts(uri: string, dbName: string, runMs: number): Promise<void> {
  await Promise.all(
    ['host-a', 'host-b', 'host-c'].map(async (host) => {
      const child = spawn(process.execPath, [HOST, uri, dbName, host, String(runMs), String(TTL_MS)], { stdio: ['ignore', 'pipe', 'inherit'] })
      children.set(host, child)
      const [chunk] = await once(child.stdout!, 'data')
      expect(String(chunk).trim()).toBe('ready')
    }),
  )
}

async function beats(db: Db): Promise<Beat[]> {
  return db.collection<Beat>('beats').find({}, { projection: { _id: 0 } }).sort({ scheduledAt: 1 }).toArray()
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function database(name: string): Db {
  client ??= new MongoClient(inject('mongoUri'))
  return client.db(uniqueDbName(name))
}

describe('cron across three host processes on one MongoDB', () => {
  it('fires each tick of a 1-second schedule exactly once for 22 ticks: no duplicate, none missing', async () => {
    const db = database('cron_hosts')
    await startHosts(inject('mongoUri'), db.databaseName, 0)
    const seen = await until(() => beats(db), (list) => list.length >= 22, 40_000)
    await stopAll()
    const all = await beats(db)
    const times = all.map((beat) => Date.parse(beat.scheduledAt))
    expect(all.length).toBeGreaterThanOrEqual(22)
    expect(new Set(times).size).toBe(times.length)
    // Consecutive seconds from the first beat to the last: every tick fired while hosts were up.
    expect(times.every((time, i) => i === 0 || time - times[i - 1]! === 1000)).toBe(true)
    const perHost = Object.fromEntries(['host-a', 'host-b', 'host-c'].map((host) => [host, all.filter((beat) => beat.host === host).length]))
    console.log(`cron: ${all.length} ticks over 3 hosts (${seen.length} when stopping), fired per host: ${JSON.stringify(perHost)}`)
  }, 60_000)

  it('a SIGKILLed holder mid-run: its lease expires, another host takes over, no tick runs twice', async () => {
    const db = database('cron_crash')
    // Each run lasts 2.5 s, so the running run's lease is what keeps the other hosts off (no overlap).
    await startHosts(inject('mongoUri'), db.databaseName, 2500)
    const [first] = await until(() => beats(db), (list) => list.length >= 1, 15_000)
    const victim = first!.host
    children.get(victim)!.kill('SIGKILL')
    const killedAt = Date.now()
    await once(children.get(victim)!, 'exit')
    const after = await until(
      () => beats(db),
      (list) => list.some((beat) => beat.host !== victim && beat.at > killedAt),
      TTL_MS * 4,
    )
    const takeover = after.find((beat) => beat.host !== victim && beat.at > killedAt)
    expect(takeover).toBeDefined()
    await until(() => beats(db), (list) => list.length >= 4, 15_000)
    await stopAll()
    const all = await beats(db)
    const times = all.map((beat) => beat.scheduledAt)
    expect(new Set(times).size).toBe(times.length)
    expect(all.filter((beat) => beat.host === victim)).toHaveLength(1)
    // Runs never overlapped: each started after the previous one (2.5 s long) ended.
    expect(all.every((beat, i) => i === 0 || beat.at >= all[i - 1]!.at + 2500)).toBe(true)
    console.log(`cron: holder ${victim} killed ${killedAt - first!.at} ms into its run; ${takeover!.host} fired ${takeover!.scheduledAt} ${takeover!.at - killedAt} ms after the kill (lease ttlMs ${TTL_MS})`)
  }, 60_000)
})
