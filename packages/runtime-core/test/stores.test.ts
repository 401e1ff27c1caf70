import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { makeTempDir, testFunctionStore } from '@scraping-run/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { directoryStore, memoryStore } from '@scraping-run/runtime-core'

const vitestApi = { describe, it, expect, beforeEach, afterEach }

testFunctionStore(
  'memoryStore',
  async () => {
    const store = memoryStore()
    return {
      store,
      put: async (record) => void store.set(record),
      remove: async (name) => void store.delete(name),
      putInvalid: async (name) => void store.set({ name, source: '' }),
    }
  },
)

testFunctionStore(
  'directoryStore',
  async () => {
    const { dir, cleanup } = await makeTempDir('functions-')
    const file = (name: string, language = 'ts') => join(dir, `${name}.${language}`)
    return {
      store: directoryStore(dir, { debounceMs: 10 }),
      async put(record) {
        await mkdir(dirname(file(record.name, record.language)), { recursive: true })
        await writeFile(file(record.name, record.language), record.source)
      },
      remove: (name) => rm(file(name)),
      putInvalid: (name) => writeFile(file(name), 'export default () => 1'),
      dispose: cleanup,
    }
  },
  vitestApi,
)

describe('memoryStore', () => {
  it('refuses invalid names with INVALID_FUNCTION_NAME', () => {
    const store = memoryStore()
    for (const name of ['a b', '../x', '', 'a/./b', 'é']) expect(() => store.set({ name, source: '' })).toThrow(expect.objectContaining({ code: 'INVALID_FUNCTION_NAME' }))
    expect(() => memoryStore([{ name: 'x'.repeat(257), source: '' }])).toThrow(/256/)
  })

  it('keeps metadata and uppercases methods', async () => {
    const store = memoryStore([{ name: 'm', source: 's', language: 'js', methods: ['get'], description: 'd', inputSchema: { type: 'object' }, timeoutMs: 5 }])
    expect(await store.get('m')).toMatchObject({ language: 'js', methods: ['GET'], description: 'd', inputSchema: { type: 'object' }, timeoutMs: 5 })
  })
})

describe('directoryStore', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ dir, cleanup } = await makeTempDir('functions-'))
  })
  afterEach(() => cleanup())

  it('maps files to names and languages, reads a sidecar .json for metadata, and ignores other files', async () => {
    await mkdir(join(dir, 'a', 'node_modules'), { recursive: true })
    await writeFile(join(dir, 'hello.ts'), 'export default () => "ts"')
    await writeFile(join(dir, 'hello.json'), JSON.stringify({ methods: ['GET'], description: 'says hello' }))
    await writeFile(join(dir, 'a', 'b.js'), 'module.exports = () => "js"')
    await writeFile(join(dir, 'a', 'types.d.ts'), 'export {}')
    await writeFile(join(dir, 'a', 'node_modules', 'dep.js'), '')
    await writeFile(join(dir, '.hidden.ts'), '')
    await writeFile(join(dir, 'README.md'), '')
    const store = directoryStore(dir, { watch: false })
    expect((await store.list()).map((record) => [record.name, record.language])).toEqual([
      ['a/b', 'js'],
      ['hello', 'ts'],
    ])
    expect(await store.get('hello')).toMatchObject({ methods: ['GET'], description: 'says hello' })
  })

  it('changes the hash when the sidecar metadata changes', async () => {
    await writeFile(join(dir, 'h.ts'), 'export default () => 1')
    const store = directoryStore(dir, { watch: false })
    const before = (await store.get('h'))!.hash
    await writeFile(join(dir, 'h.json'), JSON.stringify({ methods: ['POST'] }))
    expect((await store.get('h'))!.hash).not.toBe(before)
  })
})

describe('schedules on records', () => {
  it('memory, directory (.json) and the hash carry schedule and timezone (and the MCP tool fields)', async () => {
    const { writeFile } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { makeTempDir } = await import('@scraping-run/test-utils')
    const { memoryStore, directoryStore } = await import('@scraping-run/runtime-core')
    const memory = memoryStore([{ name: 'beat', source: 'export default () => 1', schedule: '*/5 * * * * *', timezone: 'Europe/Oslo' }])
    const plain = memoryStore([{ name: 'beat', source: 'export default () => 1' }])
    const [scheduled, unscheduled] = [await memory.get('beat'), await plain.get('beat')]
    expect(scheduled).toMatchObject({ schedule: '*/5 * * * * *', timezone: 'Europe/Oslo' })
    const tool = await memoryStore([{ name: 't', source: 'export default () => 1', title: 'T', annotations: { readOnlyHint: true }, outputSchema: { type: 'object' } }]).get('t')
    expect(tool).toMatchObject({ title: 'T', annotations: { readOnlyHint: true }, outputSchema: { type: 'object' } })
    // A schedule change is a change: the store's hash (and so its watchers) see it.
    expect(scheduled!.hash).not.toBe(unscheduled!.hash)
    const { dir, cleanup } = await makeTempDir('schedule-store-')
    try {
      await writeFile(join(dir, 'beat.ts'), 'export default () => 1')
      await writeFile(join(dir, 'beat.json'), JSON.stringify({ schedule: '0 * * * *' }))
      const store = directoryStore(dir)
      expect(await store.get('beat')).toMatchObject({ schedule: '0 * * * *' })
      await store.close?.()
    } finally {
      await cleanup()
    }
  })
})
