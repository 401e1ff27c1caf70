// Editors save in three ways: in place, by writing a temporary file and renaming it over, or by deleting and creating.
// Every saved version must be served, however many times the file is saved.
import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir } from '@scraping-run/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createExecutor, directoryStore, type Executor } from '@scraping-run/runtime-core'

let executor: Executor | undefined
let cleanup: (() => Promise<void>) | undefined
afterEach(async () => {
  await executor?.close()
  await cleanup?.()
  executor = undefined
})

const source = (version: number) => `export default () => ${version}`

const saves: Record<string, (file: string, text: string, version: number) => Promise<void>> = {
  'in place': (file, text) => writeFile(file, text),
  'rename over (temp file in the folder)': async (file, text, version) => {
    const temp = `${file}.tmp-${version}`
    await writeFile(temp, text)
    await rename(temp, file)
  },
  'rename over (dot temp file, vim/VS Code style)': async (file, text, version) => {
    const temp = join(file, '..', `.${version}.swp`)
    await writeFile(temp, text)
    await rename(temp, file)
  },
  'rename over (temp file outside the folder)': async (file, text, version) => {
    const temp = join(file, '..', '..', `outside-${process.pid}-${version}.ts`)
    await writeFile(temp, text)
    await rename(temp, file)
  },
  'delete + create': async (file, text) => {
    await rm(file)
    await writeFile(file, text)
  },
}

async function served(read: () => Promise<unknown>, expected: unknown): Promise<unknown> {
  const deadline = Date.now() + 5000
  for (;;) {
    const value = await read()
    if (value === expected || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('directoryStore reloads after every save', () => {
  for (const [how, save] of Object.entries(saves)) {
    it(`${how}: versions 1..5, each one served`, async () => {
      const temp = await makeTempDir('saves-')
      cleanup = temp.cleanup
      const file = join(temp.dir, 'fn.ts')
      await writeFile(file, source(0))
      executor = createExecutor({ store: directoryStore(temp.dir, { debounceMs: 10 }) })
      const call = async () => (await executor!.invoke('fn')).data
      expect(await call()).toBe(0)
      // Let the watcher take its baseline.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const seen: unknown[] = []
      for (let version = 1; version <= 5; version++) {
        await save(file, source(version), version)
        seen.push(await served(call, version))
      }
      expect(seen).toEqual([1, 2, 3, 4, 5])
    })
  }

  it('a burst of rename-over saves ends on the last version (debounced)', async () => {
    const temp = await makeTempDir('saves-')
    cleanup = temp.cleanup
    const file = join(temp.dir, 'fn.ts')
    await writeFile(file, source(0))
    const events: unknown[] = []
    const store = directoryStore(temp.dir, { debounceMs: 20 })
    executor = createExecutor({ store })
    executor.watch((event) => events.push(event))
    expect((await executor.invoke('fn')).data).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 100))
    for (let version = 1; version <= 50; version++) await saves['rename over (temp file in the folder)']!(file, source(version), version)
    expect(await served(async () => (await executor!.invoke('fn')).data, 50)).toBe(50)
    // Debounced: far fewer reloads than saves.
    expect(events.length).toBeLessThan(50)
  })
})
