import { CloudError, createTokenHelpers, setCloudProvider } from '@scraping-run/cloud'
import type { CloudMongo, CloudSdk, CloudStorage, DatabaseOptions, Db as Database, TokenPayload } from '@scraping-run/cloud'
import type { Db, MongoClient } from 'mongodb'
import { importPeer } from './peer.js'
import type { ExecutorOptions, MongoOption } from './types.js'

// Executors alive in this process, newest last. Host code calling `cloud` outside any function sees the newest one's SDK.
const runtimes: CloudSdk[] = []
let restoreProvider: (() => void) | undefined

/** Installs the `@scraping-run/cloud` provider for host code while at least one executor is open. Returns the uninstall. */
export function installProvider(sdk: CloudSdk): () => void {
  runtimes.push(sdk)
  if (runtimes.length === 1) {
    restoreProvider = setCloudProvider(() => {
      const newest = runtimes[runtimes.length - 1]
      if (!newest) throw new CloudError('NO_PROVIDER', 'every executor has been closed')
      return newest
    })
  }
  let installed = true
  return () => {
    if (!installed) return
    installed = false
    runtimes.splice(runtimes.indexOf(sdk), 1)
    if (runtimes.length === 0) {
      restoreProvider?.()
      restoreProvider = undefined
    }
  }
}

export interface ServiceOptions {
  jwtSecret?: string
  storage?: CloudStorage
  mongo?: MongoOption
  database?: ExecutorOptions['database']
  laf?: boolean
}

/** The host side of what functions reach through the bridge: MongoDB, the database provider, storage, tokens. */
export interface Services {
  mongo(): CloudMongo
  /** The query builder for these options, as `user` (trusted when no policy is named). */
  database(options: DatabaseOptions | undefined, user: TokenPayload | null): Database
  storage(): CloudStorage
  getToken(payload: TokenPayload, options?: { expiresIn?: number | string; secret?: string }): string
  parseToken(token: string | null | undefined, options?: { secret?: string }): TokenPayload | null
  /** Loads the optional peers that configured features need (mongodb for a URI, db-proxy for cloud.database()). */
  prepare(): Promise<void>
  close(): Promise<void>
}

export function createServices(options: ServiceOptions): Services {
  const tokens = createTokenHelpers(options.jwtSecret)
  let driver: typeof import('mongodb') | undefined
  let driverError: unknown
  let mongo: CloudMongo | undefined
  let ownedClient: MongoClient | undefined
  let database = options.database
  let dbProxyModule: typeof import('@scraping-run/db-proxy') | undefined
  let dbProxyError: unknown

  function getMongo(): CloudMongo {
    if (mongo) return mongo
    const config = options.mongo
    if (!config) throw new CloudError('NOT_CONFIGURED', 'cloud.mongo is not configured: pass mongo: {client, db} or {uri, dbName} to createExecutor')
    if ('client' in config) {
      const db: Db = typeof config.db === 'object' && config.db !== null ? config.db : config.client.db(config.db as string | undefined)
      mongo = { client: config.client, db }
      return mongo
    }
    if (driverError) throw driverError
    if (!driver) throw new CloudError('NOT_CONFIGURED', 'cloud.mongo is not ready yet: await executor.ready() first')
    // The driver connects on the first operation, so nothing happens on the network until a function uses it.
    ownedClient = new driver.MongoClient(config.uri)
    mongo = { client: ownedClient, db: ownedClient.db(config.dbName) }
    return mongo
  }

  return {
    mongo: getMongo,
    database(databaseOptions, user) {
      if (!database) {
        if (!options.mongo) {
          throw new CloudError(
            'NOT_CONFIGURED',
            'cloud.database() is not configured: pass mongo (or database: createDatabaseProvider(…) from @scraping-run/db-proxy) to createExecutor',
          )
        }
        if (dbProxyError) throw dbProxyError
        if (!dbProxyModule) throw new CloudError('NOT_CONFIGURED', 'cloud.database() is not ready yet: await executor.ready() first')
        database = dbProxyModule.createDatabaseProvider({ db: getMongo().db, laf: options.laf === true })
      }
      return database(databaseOptions, user)
    },
    storage() {
      if (!options.storage) throw new CloudError('NOT_CONFIGURED', 'cloud.storage is not configured: pass storage: createStorage(…) to createExecutor')
      return options.storage
    },
    getToken: (payload, tokenOptions) => tokens.getToken(payload, tokenOptions),
    parseToken: (token, tokenOptions) => tokens.parseToken(token, tokenOptions),
    async prepare() {
      // @scraping-run/db-proxy imports the driver at load time, so it is loaded here, only when MongoDB is configured.
      if (options.mongo && !database && !dbProxyModule && !dbProxyError) {
        try {
          dbProxyModule = await importPeer<typeof import('@scraping-run/db-proxy')>('@scraping-run/db-proxy', 'cloud.database()')
        } catch (error) {
          dbProxyError = error
        }
      }
      if (options.mongo && 'uri' in options.mongo && !driver && !driverError) {
        try {
          driver = await importPeer<typeof import('mongodb')>('mongodb', 'cloud.mongo with a uri')
        } catch (error) {
          driverError = error
        }
      }
    },
    async close() {
      await ownedClient?.close().catch(() => undefined)
      ownedClient = undefined
      mongo = undefined
    },
  }
}
