import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir } from '@scraping-run/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createExecutor, directoryStore } from '@scraping-run/runtime-core'
import { EXPRESS_VERSIONS, serve, type Served } from './helpers.js'

let served: Served | undefined
let cleanup: (() => Promise<void>) | undefined
afterEach(async () => {
  await served?.close()
  await cleanup?.()
  served = undefined
})

async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await read()
    if (accept(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.each(EXPRESS_VERSIONS)('directoryStore hot reload over HTTP on %s', (_label, express) => {
  it('serves an edited file, a new file and a changed dependency without a restart', async () => {
    const temp = await makeTempDir('hot-')
    cleanup = temp.cleanup
    const dir = temp.dir
    await mkdir(join(dir, 'lib'))
    await writeFile(join(dir, 'hello.ts'), 'export default () => "v1"')
    await writeFile(join(dir, 'lib', 'word.ts'), 'export const word = "alpha"')
    await writeFile(join(dir, 'uses.ts'), 'import { word } from "@/lib/word"\nexport default () => word')
    served = await serve(express, createExecutor({ store: directoryStore(dir, { debounceMs: 10 }) }))
    const text = (name: string) => fetch(`${served!.base}/fn/${name}`).then(async (response) => `${response.status} ${await response.text()}`)
    expect(await text('hello')).toBe('200 v1')
    expect(await text('uses')).toBe('200 alpha')
    expect(await text('later')).toMatch(/^404 /)

    await writeFile(join(dir, 'hello.ts'), 'export default () => "v2"')
    expect(await until(() => text('hello'), (value) => value === '200 v2')).toBe('200 v2')
    await writeFile(join(dir, 'later.ts'), 'export default () => "new"')
    expect(await until(() => text('later'), (value) => value === '200 new')).toBe('200 new')
    await writeFile(join(dir, 'lib', 'word.ts'), 'export const word = "beta"')
    expect(await until(() => text('uses'), (value) => value === '200 beta')).toBe('200 beta')
    // A folder created after the start, and a deleted file.
    await mkdir(join(dir, 'fresh'))
    await writeFile(join(dir, 'fresh', 'fn.ts'), 'export default () => "nested"')
    expect(await until(() => text('fresh/fn'), (value) => value === '200 nested')).toBe('200 nested')
    await rm(join(dir, 'hello.ts'))
    expect(await until(() => text('hello'), (value) => value.startsWith('404'))).toMatch(/^404 /)
  })
})
