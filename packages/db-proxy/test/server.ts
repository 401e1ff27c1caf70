import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
// @ts-expect-error: the Express 4 alias has no types of its own; it is used exactly like Express 5 here.
import express4 from 'express4'
import type { DbProxy } from '../src/index.js'
import { dbProxyRouter } from '../src/express.js'

export const SECRET = 'test-secret'

export const EXPRESS_VERSIONS = [
  ['express 5', express],
  ['express 4', express4 as typeof express],
] as const

/** Starts an app serving the proxy at /proxy on a free loopback port. */
export async function serve(expressLib: typeof express, proxy: DbProxy, options: { maxBodyBytes?: number; bodyParser?: boolean } = {}) {
  const app = expressLib()
  if (options.bodyParser) app.use(expressLib.json({ limit: '1mb' }))
  app.use('/proxy', dbProxyRouter(proxy, { jwtSecret: SECRET, maxBodyBytes: options.maxBodyBytes }))
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.()
      server.close(() => resolve())
    }),
  }
}

/** POSTs a body (an object, or raw text) to /proxy/:policy. */
export async function post(base: string, policy: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch(`${base}/proxy/${policy}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, body: json }
}
