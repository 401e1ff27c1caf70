import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'

export interface StartS3Options {
  /** Buckets created before `startS3` resolves. */
  buckets?: string[]
  /** Milliseconds to wait for the server to listen (default 30 s). */
  startTimeoutMs?: number
}

export interface RunningS3 {
  /** `http://127.0.0.1:<port>`; use path-style addressing (`forcePathStyle: true`). */
  endpoint: string
  port: number
  /** s3rver accepts any well-formed signature; these are its defaults, for clients that insist on credentials. */
  credentials: { accessKeyId: string; secretAccessKey: string }
  /** Stops the server and removes its data directory. Safe to call twice. */
  stop(): Promise<void>
}

// Runs inside the child. s3rver stores data in a temp dir the child owns, listens on port 0 (no port race), reports the
// port as one JSON line, and exits when its stdin closes — which also happens when the parent dies, so no orphans.
const CHILD_SCRIPT = `
const fs = require('node:fs'), os = require('node:os'), path = require('node:path')
const S3rver = require(process.env.S3RVER_PATH)
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'))
const buckets = JSON.parse(process.env.S3RVER_BUCKETS || '[]')
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory,
  configureBuckets: buckets.map((name) => ({ name })) })
let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  const done = () => { fs.rmSync(directory, { recursive: true, force: true }); process.exit(0) }
  if (!server.httpServer) return done()
  server.httpServer.closeAllConnections?.()
  server.close().then(done, done)
}
process.stdin.on('end', stop).on('close', stop).resume()
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
server.run().then(
  ({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'),
  (error) => { console.error(error); fs.rmSync(directory, { recursive: true, force: true }); process.exit(1) },
)
`

const running = new Set<ChildProcess>()
let exitHookInstalled = false

/**
 * Starts s3rver on a free loopback port in a child process. The child runs with `--openssl-legacy-provider` because
 * s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through the legacy provider.
 */
export async function startS3(options: StartS3Options = {}): Promise<RunningS3> {
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver')
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SCRIPT], {
    // NODE_OPTIONS is cleared so a test runner's loader flags do not reach s3rver.
    env: { ...process.env, NODE_OPTIONS: '', S3RVER_PATH: s3rverPath, S3RVER_BUCKETS: JSON.stringify(options.buckets ?? []) },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // When a run ends without stop(): the closing stdin pipe ends the child anyway; SIGTERM just makes it prompt.
    process.once('exit', () => {
      for (const proc of running) proc.kill('SIGTERM')
    })
  }

  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))

  let stopping = false
  const stop = async () => {
    stopping = true
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.stdin!.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }

  try {
    const port = await readPort(child, options.startTimeoutMs ?? 30_000, () => stderr)
    // s3rver dies on some inputs (a key segment longer than a file name may be); say why, or tests only see ECONNREFUSED.
    child.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`startS3: s3rver on port ${port} exited (${signal ?? `code ${code}`}):\n${stderr}\n`)
    })
    // A forgotten stop() must not keep the test process alive; the exit hook above then ends the child.
    child.stdout!.resume()
    child.unref()
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.()
    return {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

function readPort(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within ${timeoutMs} ms`)), timeoutMs)
    const onData = (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n')[0]
      if (stdout.includes('\n')) {
        cleanup()
        try {
          resolve((JSON.parse(line!) as { port: number }).port)
        } catch {
          reject(new Error(`s3rver printed an unexpected line: ${line}`))
        }
      }
    }
    const onExit = (code: number | null) => fail(new Error(`s3rver exited with code ${code} before listening`))
    function fail(error: Error) {
      cleanup()
      const details = stderr().trim()
      reject(details ? new Error(`${error.message}:\n${details}`) : error)
    }
    function cleanup() {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout!.setEncoding('utf8').on('data', onData)
    child.once('exit', onExit)
  })
}
