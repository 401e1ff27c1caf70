import type { SandboxBridge } from './protocol.js'

/**
 * `ctx.waitUntil` work of an in-process sandbox: it goes on after the call's result, bounded by the call's timeout (then
 * abandoned with a warning: in-process code cannot be stopped), its failure logged under the call, and awaited on dispose.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<void>>()

  track(invocationId: string, work: Promise<unknown>, timeoutMs: number, bridge: SandboxBridge): void {
    let timer: NodeJS.Timeout | undefined
    const log = (level: string, ...args: unknown[]) => {
      try {
        bridge.call(invocationId, 'log', [level, ...args])
      } catch {
        // The executor is gone: nothing left to tell.
      }
    }
    const bounded: Promise<void> = Promise.race([
      Promise.resolve(work).then(
        () => undefined,
        (error) => log('error', 'waitUntil work failed:', error),
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log('warn', `waitUntil work did not finish within ${timeoutMs} ms (the function's timeout); it is no longer awaited`)
          resolve()
        }, timeoutMs)
        timer.unref()
      }),
    ]).finally(() => {
      clearTimeout(timer)
      this.pending.delete(bounded)
    })
    this.pending.add(bounded)
  }

  /** Resolves when every tracked piece of work has settled or run out of time. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending])
  }
}
