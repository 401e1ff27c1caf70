// docs/migrating-from-laf.md's code blocks, as a migrating user copies them: they type-check under --strict against the
// built packages and laf-client-sdk from npm (the same wiring runs in laf-store.test.ts and the demo's laf.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'

const GUIDE = new URL('../../../docs/migrating-from-laf.md', import.meta.url)
let examples: ReadmeExample[]
let dir: ExampleDir

beforeAll(async () => {
  examples = await readmeExamples(GUIDE)
  dir = await exampleDir(new URL('../', import.meta.url), {
    '@scraping-run/cloud': new URL('../../cloud-sdk/', import.meta.url),
    '@scraping-run/db-proxy': new URL('../../db-proxy/', import.meta.url),
    'laf-client-sdk': new URL('../../db-proxy/node_modules/laf-client-sdk/', import.meta.url),
  })
})
afterAll(() => dir?.remove())

describe('the LAF migration guide', () => {
  it('has the server and the browser block, and both type-check under --strict', { timeout: 120_000 }, async () => {
    expect(examples.map((example) => example.code.includes('laf: true') || example.code.includes("from 'laf-client-sdk'"))).toEqual([true, true])
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })
})
