import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'

export type Route = { method: string; path: string; what: string; try?: string }
export type Feature = (demo: any) => Promise<void> | void

/** Runs demo features (as app.js does) in a real Express app on an ephemeral loopback port. */
export async function serveFeatures(features: Feature[], services: Record<string, any> = {}) {
  const app = express()
  const routes: Route[] = []
  const closers: Array<() => unknown> = []
  const listening: Array<(server: Server) => void> = []
  const demo = { app, routes, services, onClose: (close: () => unknown) => closers.push(close), onListen: (hook: (server: Server) => void) => listening.push(hook), options: {} }
  for (const feature of features) await feature(demo)
  const server: Server = app.listen(0, '127.0.0.1')
  for (const hook of listening) hook(server)
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    routes,
    services,
    /** Registers one more cleanup, run (newest first) by close(). */
    onClose: (close: () => unknown) => closers.push(close),
    async close() {
      server.closeAllConnections()
      // The server also waits for upgraded (WebSocket) connections, which the closers end.
      const closed = new Promise((resolve) => server.close(resolve))
      for (const close of closers.reverse()) await close()
      await closed
    },
  }
}
