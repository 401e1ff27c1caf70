import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import type { CloudStorage } from '@scraping-run/cloud'
import { createBucket, type Bucket } from './bucket.js'
import { StorageError } from './errors.js'
import { encodeKey } from './keys.js'
import { s3Sdk } from './peer.js'
import { DEFAULT_PART_SIZE, MIN_PART_SIZE } from './upload.js'

export type ChecksumMode = 'WHEN_REQUIRED' | 'WHEN_SUPPORTED'

export interface StorageCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface StorageOptions {
  /** The S3 endpoint this process talks to, e.g. `http://127.0.0.1:9000`. Omit for AWS S3. */
  endpoint?: string
  /** The endpoint browsers reach (presigned and external URLs). Defaults to `endpoint`. */
  externalEndpoint?: string
  /** Default `us-east-1`. */
  region?: string
  /** Default: the AWS SDK's provider chain (environment, profile, instance role). */
  credentials?: StorageCredentials
  /** Path-style addressing (`endpoint/bucket/key`). Default: an injected client's setting, else `true` when `endpoint` is set. */
  forcePathStyle?: boolean
  /** Prepended to every bucket name: `bucket('files')` with prefix `app1-` addresses `app1-files`. */
  bucketPrefix?: string
  /** Use this client instead of building one; the options above then only shape URLs and the presigning client. */
  client?: S3Client
  /** Default `WHEN_REQUIRED`: with `WHEN_SUPPORTED` S3-compatible servers store the SDK's aws-chunked trailer as data. */
  requestChecksumCalculation?: ChecksumMode
  /** Default `WHEN_REQUIRED`. */
  responseChecksumValidation?: ChecksumMode
  /** Part size of multipart uploads of streams, in bytes. Default 8 MiB, at least 5 MiB. */
  partSize?: number
}

export interface Storage extends CloudStorage {
  /** The raw `S3Client` (built on first access, or the injected one), for anything these helpers do not cover. */
  readonly client: S3Client
  bucket(name: string): Bucket
  /** Releases the sockets of the clients this storage built. An injected client is left alone. */
  destroy(): void
}

/** Builds the storage. Nothing is loaded or connected until the first request. */
export function createStorage(options: StorageOptions = {}): Storage {
  const endpoint = parseEndpoint('endpoint', options.endpoint)
  const externalEndpoint = parseEndpoint('externalEndpoint', options.externalEndpoint) ?? endpoint
  const region = options.region || 'us-east-1'
  const forcePathStyle = options.forcePathStyle ?? options.client?.config.forcePathStyle ?? endpoint !== undefined
  const bucketPrefix = options.bucketPrefix ?? ''
  const partSize = options.partSize ?? DEFAULT_PART_SIZE
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new StorageError('INVALID_CONFIG', `partSize must be a whole number of bytes, at least ${MIN_PART_SIZE} (5 MiB)`)
  }
  const credentials = options.credentials
  if (credentials && (!credentials.accessKeyId || !credentials.secretAccessKey)) {
    throw new StorageError('INVALID_CONFIG', 'credentials need both accessKeyId and secretAccessKey')
  }

  const injected = options.client
  const requestChecksumCalculation = options.requestChecksumCalculation ?? 'WHEN_REQUIRED'
  const built: S3Client[] = []
  const build = (clientEndpoint: URL | undefined, checksums: ChecksumMode): S3Client => {
    const config: S3ClientConfig = {
      region: options.region || injected?.config.region || region,
      endpoint: clientEndpoint?.href.replace(/\/$/, ''),
      forcePathStyle,
      credentials: credentials ?? injected?.config.credentials,
      requestChecksumCalculation: checksums,
      responseChecksumValidation: options.responseChecksumValidation ?? 'WHEN_REQUIRED',
    }
    const client = new (s3Sdk().S3Client)(config)
    built.push(client)
    return client
  }

  let client: S3Client | undefined = injected
  let signer: Promise<S3Client> | undefined
  const getClient = () => (client ??= build(endpoint, requestChecksumCalculation))
  // Presigned URLs embed the signed host, so browsers' endpoint needs a client of its own. That client always uses
  // WHEN_REQUIRED: with WHEN_SUPPORTED the SDK signs the CRC32 of the empty body it sees at signing time into every
  // upload URL, and S3 then rejects the real upload. An injected client's endpoint is asked for when none was given.
  const buildSigner = async (): Promise<S3Client> => {
    if (!injected && externalEndpoint?.href === endpoint?.href && requestChecksumCalculation === 'WHEN_REQUIRED') return getClient()
    let target = externalEndpoint
    const injectedEndpoint = target ? undefined : await injected?.config.endpoint?.()
    if (injectedEndpoint) {
      const { protocol, hostname, port, path } = injectedEndpoint
      target = new URL(`${protocol}//${hostname}${port ? `:${port}` : ''}${path}`)
    }
    return build(target, 'WHEN_REQUIRED')
  }
  const getSigner = () =>
    (signer ??= buildSigner().catch((error: unknown) => {
      signer = undefined // a missing peer can be installed and the call retried
      throw error
    }))

  const objectUrl = (external: boolean, bucket: string, key: string): string => {
    const base = (external ? externalEndpoint : endpoint) ?? new URL(`https://s3.${region}.amazonaws.com`)
    const path = base.pathname.replace(/\/$/, '')
    if (forcePathStyle) return `${base.origin}${path}/${bucket}/${encodeKey(key)}`
    return `${base.protocol}//${bucket}.${base.host}${path}/${encodeKey(key)}`
  }

  const buckets = new Map<string, Bucket>()
  return {
    get client() {
      return getClient()
    },
    bucket(name: string): Bucket {
      if (typeof name !== 'string' || name.length === 0) throw new StorageError('INVALID_CONFIG', 'bucket(name) needs a bucket name')
      const fullName = bucketPrefix + name
      let bucket = buckets.get(fullName)
      if (!bucket) {
        bucket = createBucket(fullName, { client: getClient, signer: getSigner, partSize, objectUrl })
        buckets.set(fullName, bucket)
      }
      return bucket
    },
    destroy() {
      for (const each of built.splice(0)) each.destroy()
      client = injected
      signer = undefined
    },
  }
}

/**
 * `createStorage` configured from environment variables: `S3_ENDPOINT`, `S3_EXTERNAL_ENDPOINT`, `S3_REGION`,
 * `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_FORCE_PATH_STYLE`, `S3_BUCKET_PREFIX`. `overrides` win over them.
 */
export function storageFromEnv(env: Record<string, string | undefined> = process.env, overrides: StorageOptions = {}): Storage {
  const accessKeyId = env.S3_ACCESS_KEY_ID || undefined
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY || undefined
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new StorageError('INVALID_CONFIG', 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither')
  }
  return createStorage({
    endpoint: env.S3_ENDPOINT || undefined,
    externalEndpoint: env.S3_EXTERNAL_ENDPOINT || undefined,
    region: env.S3_REGION || undefined,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    forcePathStyle: parseBoolean('S3_FORCE_PATH_STYLE', env.S3_FORCE_PATH_STYLE),
    bucketPrefix: env.S3_BUCKET_PREFIX || undefined,
    ...overrides,
  })
}

function parseEndpoint(option: string, value: string | undefined): URL | undefined {
  if (value === undefined || value === '') return undefined
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url
  } catch {
    // reported below
  }
  throw new StorageError('INVALID_CONFIG', `${option} must be an http(s) URL, got ${JSON.stringify(value)}`)
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined
  const normalized = value.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false
  throw new StorageError('INVALID_CONFIG', `${name} must be true or false, got ${JSON.stringify(value)}`)
}
