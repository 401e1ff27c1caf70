// A LAF app's database, read as it is: LAF publishes functions into `__functions__` as `{name, source: {code, compiled,
// version}, desc, methods, tags, params}` (no environment: one LAF database is one environment) and keeps env vars in
// `__conf__` as `{environments: [{name, value}]}`. The compiled code LAF stored is ignored: the executor compiles
// `source.code` itself, so the function runs as its TypeScript says.
import type { ChangeStream, Db, Document } from 'mongodb'
import { RuntimeError } from '../errors.js'
import type { FunctionRecord } from '../types.js'
import { toRecord } from './record.js'

export const LAF_CONF_COLLECTION = '__conf__'

/** The record a LAF function document stands for, or undefined when it is not one. */
export function lafDocumentRecord(doc: Document | null | undefined): FunctionRecord | undefined {
  const code = doc?.source?.code
  if (!doc || typeof doc.name !== 'string' || typeof code !== 'string') return undefined
  try {
    return toRecord({
      name: doc.name,
      source: code,
      language: 'ts',
      // As on LAF, an empty list answers no HTTP method (only trigger calls).
      methods: Array.isArray(doc.methods) ? doc.methods.map((method: unknown) => String(method).toUpperCase()) : undefined,
      description: typeof doc.desc === 'string' && doc.desc.length > 0 ? doc.desc : undefined,
    })
  } catch {
    return undefined
  }
}

export interface LafConfOptions {
  /** The LAF app's database. */
  db: Db
  /** Default `__conf__`. */
  collection?: string
  /** Values the `__conf__` document does not set (it wins over them). */
  defaults?: Record<string, string | undefined>
}

export interface LafConf {
  /** The live env: pass it as `createExecutor({env})`; it is updated in place when `__conf__` changes. */
  readonly env: Record<string, string | undefined>
  /** Resolves once `__conf__` was read and its change stream is open. */
  ready(): Promise<void>
  close(): Promise<void>
}

/** Env vars from a LAF app's `__conf__`, followed through a change stream as LAF's runtime does. */
export function lafConf(options: LafConfOptions): LafConf {
  if (!options?.db || typeof options.db.collection !== 'function') throw new RuntimeError('BAD_REQUEST', 'lafConf needs {db}: a Db of the mongodb driver')
  const collection = options.db.collection(options.collection ?? LAF_CONF_COLLECTION)
  const env: Record<string, string | undefined> = { ...(options.defaults ?? {}) }
  let stream: ChangeStream | undefined
  let closed = false

  async function load(): Promise<void> {
    const doc = await collection.findOne({})
    const next: Record<string, string | undefined> = { ...(options.defaults ?? {}) }
    for (const entry of Array.isArray(doc?.environments) ? doc.environments : []) {
      if (entry && typeof entry.name === 'string') next[entry.name] = entry.value === undefined || entry.value === null ? undefined : String(entry.value)
    }
    // In place: the executor and running functions hold this object.
    for (const key of Object.keys(env)) if (!(key in next)) delete env[key]
    Object.assign(env, next)
  }

  const started = (async () => {
    await load()
    if (closed) return
    const current = collection.watch([], {})
    stream = current
    // Open once the server answered the watch (its first resume token): changes after ready() are not missed.
    const opened = new Promise<void>((resolve) => {
      current.once('resumeTokenChanged', () => resolve())
      setTimeout(resolve, 2000).unref?.()
    })
    current.on('change', () => void load().catch((error) => console.error('[scraping-run] reading __conf__ failed:', error)))
    current.on('error', (error) => console.error('[scraping-run] the __conf__ change stream failed:', error))
    await opened
    // A write between the first read and the stream's start is read now.
    await load()
  })()

  return {
    env,
    ready: () => started,
    async close() {
      closed = true
      await started.catch(() => undefined)
      await stream?.close().catch(() => undefined)
    },
  }
}
