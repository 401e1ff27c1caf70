import { AsyncLocalStorage } from 'node:async_hooks'
import type { FunctionContext } from '@scraping-run/cloud'
import type { ConsoleBridge } from './types.js'

/** What follows an invocation through its async work: where console output goes, and (for the provider) whose call it is. */
export interface CallScope {
  console: ConsoleBridge
  env: Record<string, string | undefined>
  /** The executor running the call (its cloud SDK). */
  runtime?: { sdk: import('@scraping-run/cloud').CloudSdk }
  /** `cloud.invoke` nesting depth of the call. */
  depth?: number
  ctx?: FunctionContext
}

/**
 * One AsyncLocalStorage for the executor's frame and the vm sandbox's console routing: every extra instance adds work to
 * every promise the process creates, so the two share this one.
 */
export const callScope = new AsyncLocalStorage<CallScope>()
