// Conformance suite for runtime-core Lease implementations (memoryLease, mongoLease, yours). Typed structurally, so this
// package depends on neither runtime-core nor vitest (see function-store.ts for why the import below is unchecked).
// @ts-ignore -- vitest resolves at test time
import * as vitestApi from 'vitest'
import type { SuiteApi } from './function-store.js'

/** The Lease surface under test. */
export interface ConformingLease {
  readonly holder: string
  acquire(key: string, ttlMs?: number): Promise<boolean>
  renew(key: string, ttlMs?: number): Promise<boolean>
  release(key: string): Promise<boolean>
}

export interface LeaseFixture {
  /** A lease for `holder` on the fixture's shared backend: leases of one fixture compete, as hosts do. */
  lease(holder: string): ConformingLease
  dispose?(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the Lease contract against `create()` (a fresh, empty backend per test). */
export function testLease(label: string, create: () => Promise<LeaseFixture>, api: SuiteApi = vitestApi as SuiteApi): void {
  const { describe, it, expect, beforeEach, afterEach } = api
  describe(`Lease conformance: ${label}`, () => {
    let fixture: LeaseFixture
    beforeEach(async () => {
      fixture = await create()
    })
    afterEach(async () => {
      await fixture.dispose?.()
    })

    it('a held key is refused to others and re-acquired by its holder', async () => {
      const a = fixture.lease('a')
      const b = fixture.lease('b')
      expect(a.holder).toBe('a')
      expect(await a.acquire('job', 5000)).toBe(true)
      expect(await b.acquire('job', 5000)).toBe(false)
      expect(await a.acquire('job', 5000)).toBe(true)
      expect(await b.acquire('other', 5000)).toBe(true)
      expect(await a.acquire('other', 5000)).toBe(false)
    })

    it('only the holder releases; then another may acquire', async () => {
      const a = fixture.lease('a')
      const b = fixture.lease('b')
      await a.acquire('job', 5000)
      expect(await b.release('job')).toBe(false)
      expect(await b.acquire('job', 5000)).toBe(false)
      expect(await a.release('job')).toBe(true)
      expect(await a.release('job')).toBe(false)
      expect(await b.acquire('job', 5000)).toBe(true)
    })

    it('an expired lease is taken over, and its old holder can no longer renew it', async () => {
      const a = fixture.lease('a')
      const b = fixture.lease('b')
      expect(await a.acquire('job', 100)).toBe(true)
      await sleep(300)
      expect(await b.acquire('job', 5000)).toBe(true)
      expect(await a.renew('job', 5000)).toBe(false)
      expect(await a.acquire('job', 5000)).toBe(false)
      expect(await a.release('job')).toBe(false)
    })

    it('renew keeps a lease past its first expiry', async () => {
      const a = fixture.lease('a')
      const b = fixture.lease('b')
      expect(await a.acquire('job', 400)).toBe(true)
      for (let i = 0; i < 4; i++) {
        await sleep(150)
        expect(await a.renew('job', 400)).toBe(true)
      }
      // 600 ms after a 400 ms lease was taken: only the renewals keep b out.
      expect(await b.acquire('job', 400)).toBe(false)
      expect(await b.renew('job', 400)).toBe(false)
      expect(await fixture.lease('c').renew('never-taken', 400)).toBe(false)
    })

    it('concurrent acquires of one key: exactly one wins', async () => {
      for (let round = 0; round < 5; round++) {
        const leases = Array.from({ length: 8 }, (_, i) => fixture.lease(`h${i}`))
        const won = await Promise.all(leases.map((lease) => lease.acquire(`race-${round}`, 5000)))
        expect(won.filter(Boolean)).toHaveLength(1)
      }
    })

    it('refuses a bad key or ttl with BAD_REQUEST', async () => {
      const a = fixture.lease('a')
      await expect(a.acquire('', 1000)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
      await expect(a.acquire('job', -1)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
      await expect(a.renew('job', Number.NaN)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
      await expect(a.release(42 as unknown as string)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    })
  })
}
