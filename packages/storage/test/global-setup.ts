import { startS3 } from '@scraping-run/test-utils'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string
  }
}

export default async function setup(project: TestProject) {
  const s3 = await startS3()
  project.provide('s3Endpoint', s3.endpoint)
  return () => s3.stop()
}
