import { CloudError, createTokenHelpers, setCloudProvider } from '@scraping-run/cloud'
import type { CloudErrorCode, CloudMongo, CloudSdk, CloudSocket, CloudStorage, FunctionContext, InvokeParams } from '@scraping-run/cloud'
import type { Db, MongoClient } from 'mongodb'
import { RUNTIME_ERROR_CODES, RuntimeError, type RuntimeErrorCode } from './errors.js'
import { importPeer } from './peer.js'
import { callScope } from './scope.js'
import type { ExecutorOptions, InvokeInit, InvokeResult, MongoOption } from './types.js'


export interface ProviderRuntime {
  sdk: CloudSdk
}

// Executors alive in this process, newest last. Code outside any invocation (a timer, a host script) sees the newest.
const runtimes: ProviderRuntime[] = []
let restoreProvider: (() => void) | undefined

/** Installs the `@scraping-run/cloud` provider while at least one executor is open. Returns the uninstall function. */
export function installProvider(runtime: ProviderRuntime): () => void {
  runtimes.push(runtime)
  if (runtimes.length === 1) {
    restoreProvider = setCloudProvider(() => {
      const runtime = callScope.getStore()?.runtime ?? runtimes[runtimes.length - 1]
      if (!runtime) throw new CloudError('NO_PROVIDER', 'every executor has been closed')
      return runtime.sdk
    })
  }
  let installed = true
  return () => {
    if (!installed) return
    installed = false
    runtimes.splice(runtimes.indexOf(runtime), 1)
    if (runtimes.length === 0) {
      restoreProvider?.()
      restoreProvider = undefined
    }
  }
}

export interface SdkOptions {
  jwtSecret?: string
  appid: string
  env: Record<string, string | undefined>
  storage?: CloudStorage
  mongo?: MongoOption
  database?: ExecutorOptions['database']
  maxInvokeDepth: number
  invoke(name: string, init: InvokeInit, depth: number): Promise<InvokeResult>
}

export interface CreatedSdk {
  sdk: CloudSdk
  /** Loads the mongodb driver when a URI was given, so `cloud.mongo` can stay a synchronous getter. */
  prepare(): Promise<void>
  close(): Promise<void>
}

/** The SDK functions of one executor see. Everything but `mongo` (native driver objects) is JSON-crossable. */
export function createSdk(options: SdkOptions): CreatedSdk {
  const tokens = createTokenHelpers(options.jwtSecret)
  const shared = new Map<string, unknown>()
  const sockets = new Set<CloudSocket>()
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

  const sdk: CloudSdk = {
    database(databaseOptions) {
      if (!database) {
        if (!options.mongo) {
          throw new CloudError(
            'NOT_CONFIGURED',
            'cloud.database() is not configured: pass mongo (or database: createDatabaseProvider(…) from @scraping-run/db-proxy) to createExecutor',
          )
        }
        if (dbProxyError) throw dbProxyError
        if (!dbProxyModule) throw new CloudError('NOT_CONFIGURED', 'cloud.database() is not ready yet: await executor.ready() first')
        database = dbProxyModule.createDatabaseProvider({ db: getMongo().db })
      }
      // The invocation's user, so `{policy}` is checked as whoever called; trusted access ignores it.
      return database(databaseOptions, callScope.getStore()?.ctx?.user ?? null)
    },
    get mongo() {
      return getMongo()
    },
    async invoke<T>(name: string, params: InvokeParams = {}): Promise<T> {
      const frame = callScope.getStore()
      const depth = (frame?.depth ?? 0) + 1
      if (depth > options.maxInvokeDepth) {
        throw new RuntimeError('INVOKE_DEPTH_EXCEEDED', `cloud.invoke('${name}') nested more than ${options.maxInvokeDepth} deep (runaway recursion?)`)
      }
      const result = await options.invoke(
        name,
        {
          body: params.body,
          query: params.query,
          headers: params.headers,
          method: params.method,
          // Inherit the caller's user, so an interceptor sees the same identity on internal calls.
          user: params.user !== undefined ? params.user : (frame?.ctx?.user ?? null),
          trigger: { kind: 'invoke', caller: frame?.ctx?.functionName ?? null },
          signal: frame?.ctx?.signal,
        },
        depth,
      )
      if (result.error) {
        // Keep the callee's code, and its error as the cause, so the caller can tell TIMEOUT from NOT_CONFIGURED.
        const { code, message } = result.error
        if ((RUNTIME_ERROR_CODES as readonly string[]).includes(code)) throw new RuntimeError(code as RuntimeErrorCode, message, { cause: result.error })
        throw new CloudError(code as CloudErrorCode, message, { cause: result.error })
      }
      return result.data as T
    },
    getToken: (payload, tokenOptions) => tokens.getToken(payload, tokenOptions),
    parseToken: (token, tokenOptions) => tokens.parseToken(token, tokenOptions),
    get storage(): CloudStorage {
      if (!options.storage) throw new CloudError('NOT_CONFIGURED', 'cloud.storage is not configured: pass storage: createStorage(…) to createExecutor')
      return options.storage
    },
    sockets,
    appid: options.appid,
    env: options.env,
    shared,
  }

  return {
    sdk,
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
