import { createRequire } from 'node:module'
import { StorageError } from './errors.js'

type ClientS3 = typeof import('@aws-sdk/client-s3')
type Presigner = typeof import('@aws-sdk/s3-request-presigner')

let clientS3: ClientS3 | undefined
let presigner: Presigner | undefined

// The AWS SDK is a peer: it is loaded on first use, not at import, so that importing this package never fails and a
// missing peer surfaces as a StorageError that says what to install. Loading is synchronous so `storage.client` can be
// a plain property; the SDK ships CommonJS, so `require` gets the same classes an app's own import resolves to.
export function loadPeer<T>(name: string): T {
  const require = createRequire(import.meta.url)
  try {
    return require(name) as T
  } catch (error) {
    if (isModuleNotFound(error, name)) {
      throw new StorageError('MISSING_PEER', `@scraping-run/storage needs the peer dependency ${name}: npm install ${name}`, {
        cause: error,
      })
    }
    throw error
  }
}

export function s3Sdk(): ClientS3 {
  return (clientS3 ??= loadPeer<ClientS3>('@aws-sdk/client-s3'))
}

export function presignerSdk(): Presigner {
  return (presigner ??= loadPeer<Presigner>('@aws-sdk/s3-request-presigner'))
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  // Only the package itself being absent counts; a broken install that misses a nested module is a different problem.
  return code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`)
}
