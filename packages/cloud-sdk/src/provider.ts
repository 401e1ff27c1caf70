import { CloudError } from './errors.js'
import type { CloudSdk } from './types.js'

/** Returns the SDK for the code running now (a runtime may hand out a per-invocation object). */
export type CloudProviderFactory = () => CloudSdk

// The provider lives on globalThis under a registry symbol, so a second copy of this package (bundled into a function,
// or installed twice) still reaches the provider the host installed.
const PROVIDER_KEY = Symbol.for('scraping-run.cloud.provider')

type ProviderHolder = { [PROVIDER_KEY]?: CloudProviderFactory }

/**
 * Installs the provider every `cloud` member delegates to. Pass `null` to remove it.
 * Returns a function that restores the provider that was installed before.
 */
export function setCloudProvider(factory: CloudProviderFactory | null): () => void {
  if (factory !== null && typeof factory !== 'function') {
    throw new CloudError('INVALID_ARGUMENT', 'setCloudProvider(factory) expects a function that returns the cloud SDK, or null')
  }
  const holder = globalThis as ProviderHolder
  const previous = holder[PROVIDER_KEY]
  if (factory) holder[PROVIDER_KEY] = factory
  else delete holder[PROVIDER_KEY]
  return () => {
    if (previous) holder[PROVIDER_KEY] = previous
    else delete holder[PROVIDER_KEY]
  }
}

/** The installed provider factory, if any. */
export function getCloudProvider(): CloudProviderFactory | undefined {
  return (globalThis as ProviderHolder)[PROVIDER_KEY]
}

function current(member: string): CloudSdk {
  const factory = getCloudProvider()
  if (!factory) {
    throw new CloudError(
      'NO_PROVIDER',
      `cloud.${member} was used, but no cloud provider is installed. Run this code through @scraping-run/runtime-core ` +
        '(createExecutor installs one), or call setCloudProvider(() => sdk) from @scraping-run/cloud first.',
    )
  }
  return factory()
}

/** The SDK a function imports: `import cloud from '@scraping-run/cloud'`. Every member delegates to the installed provider. */
export const cloud: CloudSdk = Object.freeze({
  database: (options) => current('database').database(options),
  invoke: (name, params) => current('invoke').invoke(name, params),
  getToken: (payload, options) => current('getToken').getToken(payload, options),
  parseToken: (token, options) => current('parseToken').parseToken(token, options),
  get mongo() {
    return current('mongo').mongo
  },
  get storage() {
    return current('storage').storage
  },
  get sockets() {
    return current('sockets').sockets
  },
  get appid() {
    return current('appid').appid
  },
  get env() {
    return current('env').env
  },
  get shared() {
    return current('shared').shared
  },
} satisfies CloudSdk)
