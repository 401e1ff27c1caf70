// The storage service: s3rver (a small S3-compatible server) on a free loopback port, one bucket, and two routes that let a
// browser upload and download through presigned URLs, so the bytes never pass through this app.
// With `dataDir`, objects persist under `<dataDir>/s3` across restarts.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import express from 'express'
import { createStorage, StorageError } from '@scraping-run/storage'

const BUCKET = 'demo-files'
// s3rver accepts any well-formed signature made with its default key pair.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** @param {import('../app.js').Demo} demo */
export async function storageFeature(demo) {
  const s3 = await launchS3rver({ buckets: [BUCKET], directory: demo.options.dataDir ? join(demo.options.dataDir, 's3') : undefined })
  demo.onClose(() => s3.stop())
  const storage = createStorage({ endpoint: s3.endpoint, credentials: CREDENTIALS })
  demo.onClose(() => storage.destroy())
  demo.services.storage = storage
  demo.services.bucketName = BUCKET
  const bucket = storage.bucket(BUCKET)
  // Something to download straight away.
  await bucket.writeFile('hello.txt', 'Hello from scraping-run storage!\n')

  demo.app.post('/files/upload-url', express.json(), async (req, res, next) => {
    try {
      const url = await bucket.getUploadUrl(req.body?.key, { expiresIn: 600 })
      res.json({ url })
    } catch (error) {
      sendStorageError(res, error, next)
    }
  })

  // `*key` so keys with slashes (`photos/2024/a.jpg`) work too.
  demo.app.get('/files/*key', async (req, res, next) => {
    try {
      const key = req.params.key.join('/')
      if (!(await bucket.exists(key))) return void res.status(404).json({ error: `no file ${key}`, code: 'NOT_FOUND' })
      res.redirect(302, await bucket.getDownloadUrl(key, { expiresIn: 60 }))
    } catch (error) {
      sendStorageError(res, error, next)
    }
  })

  demo.routes.push(
    { method: 'S3', path: '', what: `s3rver for the demo: ${s3.endpoint} (bucket ${BUCKET})` },
    {
      method: 'POST',
      path: '/files/upload-url',
      what: 'presigned PUT URL for {"key"}; then PUT the bytes to it',
      try:
        `URL=$(curl -s -X POST $BASE/files/upload-url -H 'content-type: application/json' -d '{"key":"notes/today.txt"}' ` +
        `| node -pe 'JSON.parse(require("fs").readFileSync(0)).url') && curl -s -X PUT --data-binary 'my notes' "$URL"`,
    },
    { method: 'GET', path: '/files/:key', what: 'redirects to a presigned GET of the file', try: 'curl -sL $BASE/files/hello.txt' },
  )
}

function sendStorageError(res, error, next) {
  if (StorageError.is(error, 'INVALID_KEY')) res.status(400).json({ error: error.message, code: error.code })
  else if (StorageError.is(error, 'NOT_FOUND')) res.status(404).json({ error: error.message, code: error.code })
  else next(error)
}

// Runs inside the child: s3rver on port 0 (no port race), the port reported as one JSON line, exit when stdin closes (which
// also happens when the demo dies, so no orphan server). The data directory is removed on exit unless the demo chose it.
const CHILD_SCRIPT = `
const fs = require('node:fs'), os = require('node:os'), path = require('node:path')
const S3rver = require(process.env.S3RVER_PATH)
const keep = Boolean(process.env.S3RVER_DIR)
const directory = keep ? process.env.S3RVER_DIR : fs.mkdtempSync(path.join(os.tmpdir(), 'demo-s3rver-'))
fs.mkdirSync(directory, { recursive: true })
const cleanup = () => { if (!keep) fs.rmSync(directory, { recursive: true, force: true }) }
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory,
  configureBuckets: JSON.parse(process.env.S3RVER_BUCKETS).map((name) => ({ name })) })
let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  const done = () => { cleanup(); process.exit(0) }
  if (!server.httpServer) return done()
  server.httpServer.closeAllConnections?.()
  server.close().then(done, done)
}
process.stdin.on('end', stop).on('close', stop).resume()
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
server.run().then(
  ({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'),
  (error) => { console.error(error); cleanup(); process.exit(1) },
)
`

/**
 * Starts s3rver in a child process. The child runs with `--openssl-legacy-provider` because s3rver encrypts ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 only offers through the legacy provider.
 * @param {{ buckets: string[], directory?: string }} options
 */
async function launchS3rver({ buckets, directory }) {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SCRIPT], {
    env: {
      ...process.env,
      NODE_OPTIONS: '', // the demo's own flags (loaders, inspectors) are not s3rver's
      S3RVER_PATH: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_BUCKETS: JSON.stringify(buckets),
      S3RVER_DIR: directory ?? '',
    },
    // Ctrl-C in a terminal signals the whole group; the child then stops through stdin when the demo exits.
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.stdin.end()
    await exited
  }
  let output = ''
  child.stdout.setEncoding('utf8')
  const port = await new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`s3rver exited with code ${code} before listening`))
    child.once('exit', onExit)
    child.stdout.on('data', function onData(chunk) {
      output += chunk
      if (!output.includes('\n')) return
      child.stdout.off('data', onData)
      child.off('exit', onExit)
      child.stdout.resume()
      resolve(JSON.parse(output.split('\n')[0]).port)
    })
  }).catch(async (error) => {
    await stop()
    throw error
  })
  return { endpoint: `http://127.0.0.1:${port}`, stop }
}

export default storageFeature
