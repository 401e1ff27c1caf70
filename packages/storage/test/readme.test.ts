// The README's examples, as a new user meets them: every TypeScript block type-checks under --strict, and the Express app
// runs (with Express 5 and Express 4) against the test s3rver: a report written by POST /reports is served by
// GET /files/reports/latest.csv, and an upload URL signs the Content-Type it promises.
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { getFreePort } from '@scraping-run/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, runExample, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'
import { credentials, s3Endpoint, testStorage } from './helpers.js'

const README = new URL('../README.md', import.meta.url)

let examples: ReadmeExample[]
let dir: ExampleDir

beforeAll(async () => {
  examples = await readmeExamples(README)
  // The host block imports the runtime, which this package does not depend on.
  dir = await exampleDir(new URL('../', import.meta.url), { '@scraping-run/runtime-core': new URL('../../runtime-core/', import.meta.url) })
  const storage = testStorage()
  await storage.client.send(new CreateBucketCommand({ Bucket: 'uploads' })).catch(() => {})
  storage.destroy()
})
afterAll(() => dir?.remove())

describe('README examples', () => {
  it('has the blocks this test runs', () => {
    expect(examples[0]!.code).toContain("app.post('/reports'")
  })

  it('type-check under --strict', { timeout: 120_000 }, async () => {
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })

  it.each([['express 5', 'express'], ['express 4', 'express4']])('run: the Express app with %s', { timeout: 120_000 }, async (_name, lib) => {
    const port = await getFreePort()
    const app = await dir.writeRunnable(examples[0]!, `app-${lib}.mjs`, (code) =>
      code
        .replace("from 'express'", `from '${lib}'`)
        .replaceAll('http://127.0.0.1:9000', s3Endpoint())
        .replaceAll('https://files.example.com', s3Endpoint())
        .replace('listen(3000)', `listen(${port}, '127.0.0.1')`),
    )
    const base = `http://127.0.0.1:${port}`
    const running = await runExample(app, {
      env: { S3_ACCESS_KEY_ID: credentials.accessKeyId, S3_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      ready: async () => (await fetch(`${base}/files/none.txt`)).status === 404,
    })
    try {
      const report = await fetch(`${base}/reports`, { method: 'POST' })
      expect(report.status).toBe(200)
      // The key with a slash that /reports wrote, through the download route.
      const redirect = await fetch(`${base}/files/reports/latest.csv`, { redirect: 'manual' })
      expect(redirect.status).toBe(302)
      const file = await fetch(redirect.headers.get('location')!)
      expect(await file.text()).toBe('id,total\n1,42\n')
      expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8')

      const asked = await fetch(`${base}/files/upload-url`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'photos/a.png', contentType: 'image/png' }) })
      const { url } = (await asked.json()) as { url: string }
      expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host')

      const refused = await fetch(`${base}/files/a//b`)
      expect(refused.status).toBe(400)
      expect(await refused.json()).toMatchObject({ code: 'INVALID_KEY' })
    } finally {
      await running.stop()
    }
  })
})
