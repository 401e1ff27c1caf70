import type { ServerResponse } from 'node:http'
import type { TokenPayload } from '@scraping-run/cloud'
import { printLate, type LogCollector } from '../console.js'
import type { InvokeProgress, LogLevel } from '../types.js'
import type { InvocationContext, StopControl } from './abort.js'
import type { CallStats, Frame } from './invocations.js'

/**
 * One invocation as the bridge sees it. When the call ends it lets go of the context (and its body) and the response, so
 * the ended frames kept for late callbacks hold little more than names.
 */
export class InvocationFrame implements Frame {
  done = false
  stats: CallStats | undefined
  readonly hadResponse: boolean
  private lastUser: TokenPayload | null = null

  constructor(
    readonly requestId: string,
    readonly functionName: string,
    readonly depth: number,
    private collector: LogCollector | undefined,
    private readonly remapStack: (text: string) => string,
    private ctx: InvocationContext | undefined,
    private control: StopControl | undefined,
    public response: ServerResponse | undefined,
    private onProgress?: (progress: InvokeProgress) => void,
  ) {
    this.hadResponse = response !== undefined
  }

  /** `ctx.progress(…)` of the function: to the entry point while the call runs, dropped after. */
  progress(progress: InvokeProgress): void {
    this.onProgress?.(progress)
  }

  get user(): TokenPayload | null {
    return this.ctx ? this.ctx.user : this.lastUser
  }

  /** Into the invocation's logs while it runs; after it ended, to the host's console, tagged and source-mapped. */
  log(level: LogLevel, args: unknown[]): void {
    if (this.collector) this.collector.bridge(level, args)
    else printLate(level, args, this.functionName, this.requestId, this.remapStack)
  }

  signal(): AbortSignal | undefined {
    return this.ctx?.signal
  }

  fail(error: unknown): void {
    this.log('error', ['Uncaught error in a callback:', error])
    this.control?.fail?.(error)
  }

  retire(): void {
    this.done = true
    this.lastUser = this.ctx?.user ?? null
    this.ctx = undefined
    this.control = undefined
    this.response = undefined
    this.collector = undefined
    this.onProgress = undefined
  }
}
