// Lambda functions from functions/ behind Express: POST/GET/PUT/DELETE /fn/problems[/id], POST /fn/chat (SSE).
import { fileURLToPath } from 'node:url'
import express from 'express'
import { createExecutor, directoryStore, isolateSandbox, isolateUnavailableReason, vmSandbox } from '@scraping-run/runtime-core'
import { functionsMiddleware } from '@scraping-run/runtime-core/express'

const FUNCTIONS = fileURLToPath(new URL('../functions/', import.meta.url))

/** The app on `port` (0: any free port). `sandbox: 'isolate'` runs the functions in isolated-vm when it can run here. */
export async function start({ port = 3000, sandbox = process.env.SANDBOX ?? 'vm' } = {}) {
  const reason = sandbox === 'isolate' ? await isolateUnavailableReason() : 'not asked for'
  // The CRUD handler keeps its items in module state, as a warm Lambda would: one isolate, so every call sees them.
  const executor = createExecutor({
    store: directoryStore(FUNCTIONS),
    sandbox: reason ? vmSandbox() : isolateSandbox({ maxIsolatesPerFunction: 1, warmIsolates: 1 }),
    timeoutMs: 60_000,
  })
  const app = express()
  // The functions' OpenAPI 3.1 document at /fn/_/openapi.json, unchanged Lambda handlers included.
  app.use('/fn', functionsMiddleware(executor, { openapi: { title: 'Lambda example', version: '1.0.0' } }))
  const server = await new Promise((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening))
  })
  return {
    port: server.address().port,
    sandbox: reason ? 'vm' : 'isolate',
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await executor.close()
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`Lambda example on http://127.0.0.1:${app.port}/fn (${app.sandbox} sandbox)`)
}
