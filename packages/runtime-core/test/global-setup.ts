// One embedded MongoDB (shared setup from test-utils) and one s3rver for the whole run; files use their own db/bucket.
import { startS3 } from '@scraping-run/test-utils'
import mongoSetup from '../../../common/test-utils/src/mongo-global-setup.js'

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string
    mongoUri: string
  }
}

export default async function setup(project: { provide(key: string, value: unknown): void }) {
  const stopMongo = await mongoSetup(project)
  const s3 = await startS3({ buckets: ['runtime-core-test'] })
  project.provide('s3Endpoint', s3.endpoint)
  return async () => {
    await s3.stop()
    await stopMongo()
  }
}
