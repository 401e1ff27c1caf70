// The README's example type-checks under --strict, as a new user would paste it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'

let examples: ReadmeExample[]
let dir: ExampleDir
beforeAll(async () => {
  examples = await readmeExamples(new URL('../README.md', import.meta.url))
  dir = await exampleDir(new URL('../', import.meta.url), { '@scraping-run/cloud': new URL('../../cloud-sdk/', import.meta.url) })
})
afterAll(() => dir?.remove())

describe('README examples', () => {
  it('has the example', () => {
    expect(examples.some((example) => example.code.includes('consoleRouter('))).toBe(true)
  })

  it('type-check under --strict', { timeout: 120_000 }, async () => {
    const files = await Promise.all(examples.map((example) => dir.writeSource(example)))
    expect(typecheck(files, dir.dir)).toEqual([])
  })
})
