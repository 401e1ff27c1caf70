/**
 * A lease: a named lock held by one holder until it expires, so many hosts can agree on who does a piece of work. A
 * crashed holder never releases; its lease simply runs out after `ttlMs` and someone else can take it.
 */
export interface Lease {
  /** Who this lease instance acquires as (unique per host unless you pass your own). */
  readonly holder: string
  /**
   * Takes `key` for `ttlMs` (default: the factory's) if it is free, expired, or already ours (then the expiry moves on).
   * Resolves `true` if we hold it now, `false` if another holder does. Atomic across every user of the same backend.
   */
  acquire(key: string, ttlMs?: number): Promise<boolean>
  /** Extends a lease we still hold (not expired) by `ttlMs`; `false` if it lapsed or another holder has it. */
  renew(key: string, ttlMs?: number): Promise<boolean>
  /** Gives the lease up if we hold it (expired or not); `false` if we did not. */
  release(key: string): Promise<boolean>
}

/** One stored lease: the holder and when (epoch ms) it runs out. */
export interface LeaseEntry {
  holder: string
  until: number
}
