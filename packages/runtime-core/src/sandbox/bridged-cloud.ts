import { CloudError, createDatabase } from '@scraping-run/cloud'
import type { CloudBucket, CloudMongo, CloudSdk, CloudStorage, DatabaseOptions, Db, InvokeParams, TokenPayload } from '@scraping-run/cloud'
import type { DbRequest, DbResponse } from '@scraping-run/cloud/protocol'
import { createLafFetch, type LafFetch } from '../laf/fetch.js'
import type { SandboxBridge } from './protocol.js'
import { createSocketsFacade } from './sockets-facade.js'

const BUCKET_METHODS = [
  'readFile', 'readStream', 'writeFile', 'deleteFile', 'deleteFiles', 'exists', 'stat', 'copyFile', 'listFiles',
  'externalUrl', 'internalUrl', 'getUploadUrl', 'getDownloadUrl',
] as const

/**
 * The `cloud` SDK a sandbox hands its functions, built only on `bridge.call`: `invocationId()` says whose call is
 * running (a sandbox knows that its own way; the host resolves the caller from the id). `cloud.shared` lives in the
 * sandbox, so its values are never copied.
 */
export function createBridgedCloud(invocationId: () => string, bridge: SandboxBridge, options: { hostObjects: boolean }): CloudSdk {
  const call = (op: Parameters<SandboxBridge['call']>[1], args: unknown[]) => bridge.call(invocationId(), op, args)
  const shared = new Map<string, unknown>()
  const sockets = createSocketsFacade((action, args) => call('sockets', [action, ...args]))
  const databases = new Map<string, Db>()
  let lafFetch: LafFetch | undefined

  function bucket(name: string): CloudBucket {
    const facade: Record<string, unknown> = { name }
    for (const method of BUCKET_METHODS) facade[method] = (...args: unknown[]) => call('storage', [name, method, ...args])
    // listAll pages through listFiles on this side, so only plain pages cross.
    facade.listAll = async function* (listOptions: { prefix?: string } = {}) {
      let cursor: string | undefined
      do {
        const page = (await call('storage', [name, 'listFiles', { ...listOptions, ...(cursor ? { cursor } : {}) }])) as Awaited<ReturnType<CloudBucket['listFiles']>>
        yield* page.files
        cursor = page.nextCursor
      } while (cursor)
    }
    return facade as unknown as CloudBucket
  }
  const storage: CloudStorage = { bucket }

  return {
    database(databaseOptions?: DatabaseOptions): Db {
      // Fails now, naming the fix, when nothing is configured (the host answers with NOT_CONFIGURED).
      call('database', [databaseOptions ?? null])
      const key = JSON.stringify(databaseOptions ?? null)
      let db = databases.get(key)
      if (!db) {
        db = createDatabase({ send: async (request: DbRequest) => (await call('database', [databaseOptions ?? null, request])) as DbResponse })
        databases.set(key, db)
      }
      return db
    },
    get mongo(): CloudMongo {
      if (!options.hostObjects) {
        throw new CloudError('NOT_CONFIGURED', 'cloud.mongo (native driver objects) is not available in this sandbox: use cloud.database()')
      }
      return call('mongo', []) as CloudMongo
    },
    invoke: <T>(name: string, params?: InvokeParams) => Promise.resolve(call('invoke', [name, params ?? {}])) as Promise<T>,
    getToken: (payload: TokenPayload, tokenOptions?: unknown) => call('token', ['get', payload, tokenOptions]) as string,
    parseToken: (token: string | null | undefined, tokenOptions?: unknown) => call('token', ['parse', token, tokenOptions]) as TokenPayload | null,
    get storage(): CloudStorage {
      call('storage', [])
      return storage
    },
    sockets,
    get appid() {
      return (call('env', []) as { appid: string }).appid
    },
    get env() {
      return (call('env', []) as { env: Record<string, string | undefined> }).env
    },
    // The LAF profile's axios-like cloud.fetch; absent without the profile.
    get fetch(): LafFetch | undefined {
      if (!(call('env', []) as { laf?: boolean }).laf) return undefined
      return (lafFetch ??= createLafFetch((url, init) => fetch(url, init as RequestInit)))
    },
    shared,
  } as CloudSdk
}
