import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express5 from 'express'
import express4 from 'express4'
import { createExecutor, memoryStore, type Executor, type ExecutorOptions, type FunctionRecordInput } from '@scraping-run/runtime-core'
import { functionsMiddleware, type FunctionsMiddlewareOptions } from '@scraping-run/runtime-core/express'

/** Both Express majors the adapter supports; HTTP tests run on each. */
export const EXPRESS_VERSIONS = [
  ['express 4', express4],
  ['express 5', express5],
] as const

export type ExpressFactory = (typeof EXPRESS_VERSIONS)[number][1]

export interface Served {
  base: string
  executor: Executor
  close(): Promise<void>
}

/** An Express app with the middleware at /fn, listening on an ephemeral loopback port. */
export async function serve(
  express: ExpressFactory,
  records: FunctionRecordInput[] | Executor,
  options: { executor?: Partial<ExecutorOptions>; middleware?: FunctionsMiddlewareOptions; before?: (app: any) => void } = {},
): Promise<Served> {
  const executor = Array.isArray(records) ? createExecutor({ store: memoryStore(records), jwtSecret: 'test-secret', ...options.executor }) : records
  const app = (express as any)()
  options.before?.(app)
  app.use('/fn', functionsMiddleware(executor, options.middleware))
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    executor,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await executor.close()
    },
  }
}

/** A response body as JSON, typed loosely for assertions. */
export const json = (response: Response): Promise<any> => response.json() as Promise<any>
