// The README's examples, as a new user meets them: every TypeScript block type-checks under --strict, and the host
// runtime block (which needs no service) runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, runExample, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'

let examples: ReadmeExample[]
let dir: ExampleDir

beforeAll(async () => {
  examples = await readmeExamples(new URL('../README.md', import.meta.url))
  dir = await exampleDir(new URL('../', import.meta.url))
})
afterAll(() => dir?.remove())

describe('README examples', () => {
  it('type-check under --strict', { timeout: 120_000 }, async () => {
    expect(examples.length).toBeGreaterThanOrEqual(4)
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })

  it('run: installing a provider in a host runtime', { timeout: 60_000 }, async () => {
    const host = examples.find((example) => example.code.includes('setCloudProvider(() => sdk)'))!
    const file = await dir.writeRunnable(host, 'host.mjs', (code) => code.replace("cloud.appid // 'my-app'", 'console.log(cloud.appid)'))
    expect((await runExample(file)).output().trim()).toBe('my-app')
  })
})
