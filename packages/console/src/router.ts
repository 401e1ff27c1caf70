// The Express adapter (also a plain node:http handler): the page's files, and /api/* to the console API. Express is not
// imported at run time, so Express 4 and 5 both work.
import { existsSync, readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { readJsonBody } from '@scraping-run/cloud/http'
import { createConsoleApi } from './api.js'
import { ConsoleError } from './errors.js'
import type { ConsoleOptions } from './types.js'

type Next = (error?: unknown) => void
export type ConsoleRouter = (req: IncomingMessage, res: ServerResponse, next?: Next) => void

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' }
const BODY_LIMIT = 5 * 1024 * 1024
// The page loads nothing from elsewhere; CodeMirror writes its styles into <style> elements.
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/** The prebuilt page in dist/app, read once (beside the built file, or dist/ when this runs from the sources). */
interface AppFile {
  raw: Buffer
  /** Compressed once at start-up: the page's script is ~500 KB, ~170 KB gzipped. */
  gzip: Buffer
}

function loadApp(): Map<string, AppFile> {
  const dirs = [new URL('./app/', import.meta.url), new URL('../dist/app/', import.meta.url)].map((url) => fileURLToPath(url))
  const dir = dirs.find((candidate) => existsSync(`${candidate}index.html`))
  if (!dir) throw new ConsoleError('APP_NOT_BUILT', `the console page is not built (no index.html in ${dirs.join(' or ')}): run the package's build`)
  const files = new Map<string, AppFile>()
  for (const name of ['index.html', 'app.js', 'app.css']) {
    if (!existsSync(dir + name)) continue
    const raw = readFileSync(dir + name)
    files.set(`/${name}`, { raw, gzip: gzipSync(raw, { level: 9 }) })
  }
  return files
}

/**
 * `app.use('/console', consoleRouter({...}))`. The page (sign-in first) is static and holds no data; every /api route
 * needs the admin authentication.
 */
export function consoleRouter(options: ConsoleOptions): ConsoleRouter {
  const api = createConsoleApi(options)
  const files = loadApp()
  return (req, res, next) => {
    const url = req.url ?? '/'
    const path = url.split('?')[0]!
    if (path === '/api' || path.startsWith('/api/')) {
      void handleApi(req, res, url.slice('/api'.length)).catch(() => send(res, 500, { error: 'internal error', code: 'INTERNAL_ERROR' }))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: `${req.method} is not allowed here`, code: 'METHOD_NOT_ALLOWED' })
    const file = files.get(path === '/' || path === '' ? '/index.html' : path)
    if (!file) return next ? next() : send(res, 404, { error: 'not found', code: 'NOT_FOUND' })
    const ext = path.includes('.') ? path.slice(path.lastIndexOf('.')) : '.html'
    res.statusCode = 200
    res.setHeader('content-type', TYPES[ext] ?? 'application/octet-stream')
    res.setHeader('cache-control', 'no-cache')
    res.setHeader('content-security-policy', CSP)
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('vary', 'accept-encoding')
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    if (gzip) res.setHeader('content-encoding', 'gzip')
    const body = gzip ? file.gzip : file.raw
    res.setHeader('content-length', body.length)
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    let body = (req as { body?: unknown }).body
    if (body === undefined && req.method !== 'GET' && req.method !== 'HEAD') {
      const read = await readJsonBody(req, BODY_LIMIT)
      if ('error' in read) return send(res, read.status, { error: read.error, code: read.code })
      body = read.value
    }
    const answer = await api.handle({ method: req.method ?? 'GET', url: url || '/', headers: req.headers, body, raw: req })
    send(res, answer.status, answer.body)
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end()
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.end(JSON.stringify(body === undefined ? null : body))
}
