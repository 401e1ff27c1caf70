// A MongoDB server for tests: the one named by MONGODB_URL (a real MongoDB, or the shared server the global setup below
// started), else a fresh embedded server for the caller.
import { startMongoEmbedded } from '@scraping-run/mongo-embedded'

export interface TestMongo {
  /** Connection string for `new MongoClient(uri)`. */
  uri: string
  /** Stops the server if this call started it; a no-op for a shared or external one. */
  stop: () => Promise<void>
  /** True when this call started its own embedded server. */
  started: boolean
}

/** The key under which the global setup `provide`s the URI (`inject('mongoUri')` in a test). */
export const MONGO_URI_KEY = 'mongoUri'

export async function startMongo(): Promise<TestMongo> {
  const url = process.env.MONGODB_URL
  if (url) return { uri: url, stop: async () => {}, started: false }
  const server = await startMongoEmbedded()
  return { uri: server.uri, stop: () => server.stop(), started: true }
}

let counter = 0

/** A database name unique to this process and call, so tests sharing one server do not see each other's data. */
export function uniqueDbName(prefix = 'test'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`
}
