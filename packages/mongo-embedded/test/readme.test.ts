// The README's example, as a new user meets it: it type-checks under --strict and runs to completion with node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, readmeExamples, runExample, typecheck, type ExampleDir, type ReadmeExample } from '../../../common/test-utils/src/readme-examples.js'

const README = new URL('../README.md', import.meta.url)
let examples: ReadmeExample[]
let dir: ExampleDir

beforeAll(async () => {
  examples = await readmeExamples(README)
  dir = await exampleDir(new URL('../', import.meta.url))
})
afterAll(() => dir?.remove())

describe('README examples', () => {
  it('type-check under --strict', { timeout: 120_000 }, async () => {
    expect(examples.length).toBeGreaterThanOrEqual(1)
    expect(typecheck(await Promise.all(examples.map((example) => dir.writeSource(example))), dir.dir)).toEqual([])
  })

  it('the quick example starts a server, writes through the driver and stops', { timeout: 60_000 }, async () => {
    const running = await runExample(await dir.writeRunnable(examples[0]!, 'quick.js'))
    await running.stop()
    expect(running.child.exitCode).toBe(0)
  })
})
