import { AsyncLocalStorage } from 'node:async_hooks'
import type { SandboxBridge } from './sandbox/protocol.js'

/**
 * What follows a function's async work inside an in-process sandbox: whose call it is and the bridge back to its
 * executor. Only the vm sandbox (and the process guard, to attribute an uncaught error) read it; the host resolves
 * everything else from the invocation id.
 */
export interface CallScope {
  invocationId: string
  bridge: SandboxBridge
}

/** One AsyncLocalStorage for the process: every extra instance adds work to every promise the process creates. */
export const callScope = new AsyncLocalStorage<CallScope>()
