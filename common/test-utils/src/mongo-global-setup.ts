// Vitest global setup: one MongoDB for the whole test run of a package. Use it in the package's vitest.config.ts:
//
//   import { defineProjectConfig } from '@scraping-run/vitest-config'
//   export default defineProjectConfig({
//     test: { globalSetup: ['../../common/test-utils/src/mongo-global-setup.ts'] },
//   })
//
// It starts the embedded server (unless MONGODB_URL already names a real MongoDB) and sets MONGODB_URL for the test
// workers, which start after it, so `startMongo()` in a test returns the shared server. The URI is also provided as
// `inject('mongoUri')`. Give each test file its own database (`uniqueDbName()`), since the server is shared.
import { MONGO_URI_KEY, startMongo } from './mongo.js'

/** The part of vitest's `TestProject` used here, typed structurally so this package needs no vitest dependency. */
interface ProvidingProject {
  provide(key: string, value: unknown): void
}

export default async function setup(project?: ProvidingProject): Promise<() => Promise<void>> {
  const mongo = await startMongo()
  const previous = process.env.MONGODB_URL
  process.env.MONGODB_URL = mongo.uri
  project?.provide(MONGO_URI_KEY, mongo.uri)
  return async () => {
    if (previous === undefined) delete process.env.MONGODB_URL
    else process.env.MONGODB_URL = previous
    await mongo.stop()
  }
}
