// Builds the demo app. Kept apart from server.js so tests can start it on an ephemeral port.
// Each package adds one feature module under ./features (services first, then routes that use them).
import express from 'express'
import { mongoFeature } from './features/mongo.js'
import { storageFeature } from './features/storage.js'
import { proxyFeature } from './features/proxy.js'
import { mcpFeature } from './features/mcp.js'
import { functionsFeature } from './features/functions.js'
import { deployFeature } from './features/deploy.js'
import { cronFeature } from './features/cron.js'
import { consoleFeature } from './features/console.js'
import { lafFeature } from './features/laf.js'
import { websocketFeature } from './features/websocket.js'

/**
 * A feature gets the shared demo state: the app, the route list it prints, the services started so far, and `onClose`.
 * `onListen` runs with the HTTP server once there is one (server.js and the tests call `attach(server)`).
 * @typedef {{ app: import('express').Express, routes: Array<{ method: string, path: string, what: string, try?: string }>,
 *   services: Record<string, any>, onClose: (close: () => Promise<void> | void) => void,
 *   onListen: (hook: (server: import('node:http').Server) => void) => void, options: DemoOptions }} Demo
 * @typedef {{ dataDir?: string }} DemoOptions
 */

/** @type {Array<(demo: Demo) => Promise<void> | void>} */
const features = [
  // Order matters: services (database, storage) before the routes that use them.
  mongoFeature,
  storageFeature,
  proxyFeature,
  // Before mcp, which serves this executor's functions as tools.
  functionsFeature,
  // The same functions deployed to MongoDB and served per environment (/dev/fn, /staging/fn, /prod/fn), with /admin.
  deployFeature,
  // After functions: it schedules that executor's functions.
  cronFeature,
  // The same functions and a todo policy as a migrated LAF app sees them (/laf, /laf/proxy/app).
  lafFeature,
  // After functions: __websocket__ runs on that executor.
  websocketFeature,
  mcpFeature,
  // After deploy (its registry and executors) and proxy (the policy tester).
  consoleFeature,
]

/** @param {DemoOptions} [options] */
export async function createDemoApp(options = {}) {
  const app = express()
  const routes = []
  const closers = []
  /** @type {Array<(server: import('node:http').Server) => void>} */
  const listening = []
  /** @type {Demo} */
  const demo = { app, routes, services: {}, onClose: (close) => closers.push(close), onListen: (hook) => listening.push(hook), options }

  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  routes.push({ method: 'GET', path: '/health', what: 'liveness probe' })

  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    for (const feature of features) await feature(demo)
  } catch (error) {
    await close()
    throw error
  }
  /** @param {import('node:http').Server} server */
  const attach = (server) => {
    for (const hook of listening) hook(server)
  }
  return { app, routes, services: demo.services, close, attach }
}
