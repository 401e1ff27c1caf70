import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { ChangeStream, Collection, Db, Document } from 'mongodb'
import { RuntimeError } from '../errors.js'
import { assertEnvironment } from '../stores/mongo.js'
import { DEPLOY_SCHEMA_VERSION } from './registry.js'

export const DEFAULT_ENV_COLLECTION = '__env__'
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

export interface EnvEntry {
  name: string
  secret: boolean
  updatedAt: Date
  updatedBy: string | null
}

export interface EnvRegistryOptions {
  db: Db
  /** Default `__env__`. */
  collection?: string
  /** AES-256-GCM key for secrets: 32 bytes, as a Buffer, 64 hex digits or base64. Needed to set or read secrets. */
  secretKey?: string | Uint8Array
}

/** Env variables and secrets of every environment, as stored (values of secrets are never returned). */
export interface EnvRegistry {
  set(options: { environment: string; name: string; value: string; secret?: boolean; by?: string | null }): Promise<EnvEntry>
  /** True when it existed. */
  delete(options: { environment: string; name: string }): Promise<boolean>
  /** Names, kinds and update times only. */
  list(options: { environment: string }): Promise<EnvEntry[]>
}

export interface LiveEnvOptions extends EnvRegistryOptions {
  environment?: string
  /** Values used when MongoDB has none for a name (MongoDB wins). */
  defaults?: Record<string, string | undefined>
}

/** One environment's variables, kept current in `env` (one object, changed in place: pass it as the executor's `env`). */
export interface LiveEnv {
  readonly environment: string
  readonly env: Record<string, string | undefined>
  /** Resolves after the first read. */
  ready(): Promise<void>
  /** The clear values of this environment's secrets (for redaction). */
  secretValues(): readonly string[]
  close(): Promise<void>
}

/** Parses a host key; throws SECRET_KEY_INVALID unless it is 32 bytes. */
export function parseSecretKey(key: string | Uint8Array): Buffer {
  let bytes: Buffer
  if (typeof key === 'string') bytes = /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64')
  else bytes = Buffer.from(key)
  if (bytes.length !== 32) throw new RuntimeError('SECRET_KEY_INVALID', 'the secret key must be 32 bytes (AES-256): a Buffer, 64 hex digits or base64 of 32 bytes')
  return bytes
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16)
}

function encrypt(key: Buffer, aad: string, value: string): Document {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  return { alg: 'aes-256-gcm', keyId: keyId(key), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}

function decrypt(key: Buffer, aad: string, box: Document): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(String(box.iv), 'base64'))
    decipher.setAAD(Buffer.from(aad))
    decipher.setAuthTag(Buffer.from(String(box.tag), 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(String(box.data), 'base64')), decipher.final()]).toString('utf8')
  } catch (error) {
    const hint = box.keyId && box.keyId !== keyId(key) ? ' (it was encrypted with another key)' : ''
    throw new RuntimeError('SECRET_KEY_INVALID', `secret ${aad} cannot be decrypted with this host's key${hint}`, { cause: error })
  }
}

function assertEnvName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !ENV_NAME.test(name)) throw new RuntimeError('BAD_REQUEST', `invalid env name ${JSON.stringify(name)}: use [A-Za-z_][A-Za-z0-9_]*`)
}

export function envRegistry(options: EnvRegistryOptions): EnvRegistry {
  const collection = envCollection(options)
  const key = options.secretKey === undefined ? undefined : parseSecretKey(options.secretKey)
  return {
    async set({ environment, name, value, secret = false, by = null }) {
      assertEnvironment(environment)
      assertEnvName(name)
      if (typeof value !== 'string') throw new RuntimeError('BAD_REQUEST', `env ${name}: the value must be a string`)
      if (secret && !key) throw new RuntimeError('SECRET_KEY_INVALID', 'setting a secret needs the host key (secretKey)')
      const id = `${environment}:${name}`
      const updatedAt = new Date()
      const doc = { schemaVersion: DEPLOY_SCHEMA_VERSION, environment, name, secret, updatedAt, updatedBy: by, ...(secret ? { encrypted: encrypt(key!, id, value) } : { value }) }
      await collection.replaceOne({ _id: id as never }, doc, { upsert: true })
      return { name, secret, updatedAt, updatedBy: by }
    },
    async delete({ environment, name }) {
      assertEnvironment(environment)
      assertEnvName(name)
      return (await collection.deleteOne({ _id: `${environment}:${name}` as never })).deletedCount > 0
    },
    async list({ environment }) {
      assertEnvironment(environment)
      const docs = await collection.find({ environment }, { projection: { value: 0, encrypted: 0 } }).sort({ name: 1 }).toArray()
      return docs.map((doc) => ({ name: doc.name, secret: doc.secret === true, updatedAt: doc.updatedAt, updatedBy: doc.updatedBy ?? null }))
    },
  }
}

function envCollection(options: EnvRegistryOptions): Collection<Document> {
  if (!options?.db || typeof options.db.collection !== 'function') throw new RuntimeError('BAD_REQUEST', 'the env store needs {db}: a Db of the mongodb driver')
  return options.db.collection(options.collection ?? DEFAULT_ENV_COLLECTION)
}

/**
 * One environment's env and secrets from MongoDB, followed by a change stream: `env` is updated in place, so an
 * executor created with `{env: live.env}` sees a change on its next call, in `ctx.env`, `cloud.env` and `process.env`.
 */
export function mongoEnv(options: LiveEnvOptions): LiveEnv {
  const collection = envCollection(options)
  const environment = options.environment ?? 'dev'
  assertEnvironment(environment)
  const key = options.secretKey === undefined ? undefined : parseSecretKey(options.secretKey)
  const defaults = { ...(options.defaults ?? {}) }
  const env: Record<string, string | undefined> = { ...defaults }
  let secrets: string[] = []
  let running = true
  let stream: ChangeStream | undefined
  let reading: Promise<void> = Promise.resolve()

  // Re-reads the (small) environment on every change: the object then always equals what MongoDB holds.
  function reload(): Promise<void> {
    reading = reading.then(async () => {
      const docs = await collection.find({ environment }).toArray()
      const next: Record<string, string | undefined> = { ...defaults }
      const nextSecrets: string[] = []
      for (const doc of docs) {
        if (typeof doc.name !== 'string') continue
        if (doc.secret) {
          if (!key) {
            console.error(`[scraping-run] env ${environment}: secret ${doc.name} skipped, no secretKey given`)
            continue
          }
          try {
            const value = decrypt(key, `${environment}:${doc.name}`, doc.encrypted ?? {})
            next[doc.name] = value
            nextSecrets.push(value)
          } catch (error) {
            console.error(`[scraping-run] ${(error as Error).message}`)
          }
        } else if (typeof doc.value === 'string') next[doc.name] = doc.value
      }
      for (const name of Object.keys(env)) if (!(name in next)) delete env[name]
      Object.assign(env, next)
      secrets = nextSecrets
    })
    return reading.catch((error) => console.error(`[scraping-run] env ${environment}: cannot read env: ${(error as Error).message}`))
  }

  const first = reload()
  // After a lost connection, reopen the stream and re-read: a change made meanwhile may not be replayed.
  let lost = false
  const onTopology = (event: { newDescription: { type: string } }) => {
    if (event.newDescription.type === 'Unknown') lost = true
    else if (lost) {
      lost = false
      void stream?.close().catch(() => undefined)
    }
  }
  options.db.client?.on?.('serverDescriptionChanged', onTopology)
  const loop = (async () => {
    let delay = 50
    while (running) {
      const current = collection.watch([{ $match: { $or: [{ 'fullDocument.environment': environment }, { 'documentKey._id': { $regex: `^${environment}:` } }, { operationType: { $in: ['drop', 'invalidate', 'dropDatabase', 'rename'] } }] } }], { fullDocument: 'updateLookup' })
      stream = current
      try {
        await current.tryNext().then((change) => change && reload())
        // Changes made while the stream was (re)opening.
        await reload()
        delay = 50
        while (running) if (await current.tryNext()) await reload()
      } catch {
        if (!running) break
        await new Promise((resolve) => setTimeout(resolve, delay).unref?.())
        delay = Math.min(delay * 2, 2000)
      } finally {
        await current.close().catch(() => undefined)
      }
    }
  })()

  return {
    environment,
    env,
    ready: () => first,
    secretValues: () => secrets,
    async close() {
      running = false
      options.db.client?.off?.('serverDescriptionChanged', onTopology)
      await stream?.close().catch(() => undefined)
      await loop
    },
  }
}
