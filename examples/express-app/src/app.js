// Builds the demo app. Kept apart from server.js so tests can start it on an ephemeral port.
import express from 'express'

/**
 * @returns {Promise<{ app: import('express').Express, routes: Array<{ method: string, path: string, what: string }>, close: () => Promise<void> }>}
 */
export async function createDemoApp() {
  const app = express()
  const routes = []
  const closers = []

  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  routes.push({ method: 'GET', path: '/health', what: 'liveness probe' })

  return {
    app,
    routes,
    close: async () => {
      for (const close of closers.reverse()) await close()
    },
  }
}
