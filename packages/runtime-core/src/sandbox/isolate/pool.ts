import { RuntimeError } from '../../errors.js'
import type { IsolateWorker } from './worker.js'

interface PoolOptions {
  maxWorkers: number
  maxQueue: number
  recycleAfter: number
  /** Boots an isolate with this function loaded. */
  start(): Promise<IsolateWorker>
}

/**
 * The isolates of one function (name + hash). A call takes an idle one, or starts one up to `maxWorkers`, or waits in a
 * bounded queue; past the queue it fails fast with OVERLOADED. A disposed or worn-out isolate is dropped on release.
 */
export class FunctionPool {
  private readonly workers: IsolateWorker[] = []
  private readonly waiting: Array<(worker: IsolateWorker | Error) => void> = []
  private starting = 0
  private first: Promise<{ entry: string; meta?: string }> | undefined
  private closed = false

  constructor(
    readonly key: string,
    private readonly options: PoolOptions,
  ) {}

  /** Loads the module once (the first isolate) and reports what `load()` returned. */
  prepare(): Promise<{ entry: string; meta?: string }> {
    this.first ??= this.options.start().then(
      (worker) => {
        this.add(worker)
        return worker.loadInfo!
      },
      (error) => {
        this.first = undefined
        throw error
      },
    )
    return this.first
  }

  async acquire(): Promise<IsolateWorker> {
    if (this.closed) throw new RuntimeError('FUNCTION_NOT_FOUND', `${this.key} was unloaded`)
    const idle = this.workers.find((worker) => !worker.busy && !worker.isolate.isDisposed)
    if (idle) {
      idle.busy = true
      return idle
    }
    if (this.workers.length + this.starting < this.options.maxWorkers) {
      this.starting++
      try {
        const worker = await this.options.start()
        worker.busy = true
        this.workers.push(worker)
        return worker
      } finally {
        this.starting--
      }
    }
    if (this.waiting.length >= this.options.maxQueue) {
      throw new RuntimeError('OVERLOADED', `${this.key.slice(0, this.key.lastIndexOf('@'))} is busy: ${this.options.maxWorkers} isolates and ${this.options.maxQueue} waiting calls`)
    }
    const next = await new Promise<IsolateWorker | Error>((resolve) => this.waiting.push(resolve))
    if (next instanceof Error) throw next
    return next
  }

  release(worker: IsolateWorker): void {
    worker.busy = false
    if (worker.isolate.isDisposed || worker.calls >= this.options.recycleAfter || this.closed) {
      this.remove(worker)
      // A waiting call gets a fresh isolate instead.
      const waiter = this.waiting.shift()
      if (waiter && !this.closed) this.acquire().then(waiter, (error: Error) => waiter(error))
      return
    }
    const waiter = this.waiting.shift()
    if (waiter) {
      worker.busy = true
      waiter(worker)
    }
  }

  close(): void {
    this.closed = true
    for (const waiter of this.waiting.splice(0)) waiter(new RuntimeError('FUNCTION_NOT_FOUND', `${this.key} was unloaded`))
    for (const worker of this.workers.splice(0)) if (!worker.busy) worker.dispose('closed')
  }

  private add(worker: IsolateWorker): void {
    this.workers.push(worker)
  }

  private remove(worker: IsolateWorker): void {
    const at = this.workers.indexOf(worker)
    if (at >= 0) this.workers.splice(at, 1)
    worker.dispose('closed')
  }
}
