import { readJsonBody } from '@scraping-run/cloud/http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdminApi } from './admin.js'

export interface AdminRouterOptions {
  /** Largest JSON body read, in bytes. Default 5 MB (function sources). */
  bodyLimit?: number
}

type Next = (error?: unknown) => void

/**
 * The admin API as an Express router (`app.use('/admin', adminRouter(admin))`); also a plain `node:http` handler. A body
 * an earlier `express.json()` parsed is used as is. It answers every request under its mount point and never calls `next`.
 */
export function adminRouter(admin: AdminApi, options: AdminRouterOptions = {}): (req: IncomingMessage, res: ServerResponse, next?: Next) => void {
  const limit = options.bodyLimit ?? 5 * 1024 * 1024
  return (req, res) => {
    void (async () => {
      let body = (req as { body?: unknown }).body
      if (body === undefined && req.method !== 'GET' && req.method !== 'HEAD') {
        const read = await readJsonBody(req, limit)
        if ('error' in read) return send(res, read.status, { error: read.error, code: read.code })
        body = read.value
      }
      const answer = await admin.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, raw: req })
      send(res, answer.status, answer.body)
    })().catch(() => send(res, 500, { error: 'internal error', code: 'INTERNAL_ERROR' }))
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end()
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.end(text)
}
