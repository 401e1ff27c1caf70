// Conformance suite for runtime-core FunctionStore implementations. Every store's test file calls it, then adds its own
// cases. Typed structurally, so this package depends on neither runtime-core nor vitest.
// vitest is not a dependency of this package, but every test run that imports this file runs under vitest, which
// resolves it; only the type checker cannot, hence the directive. Callers may also pass the API explicitly.
// @ts-ignore -- see above
import * as vitestApi from 'vitest'

/** The parts of vitest the suite uses: pass `{ describe, it, expect, beforeEach, afterEach }` from 'vitest'. */
export interface SuiteApi {
  describe: (name: string, body: () => void) => void
  it: (name: string, body: (context?: any) => Promise<void> | void, timeout?: number) => void
  expect: any
  beforeEach: (body: () => Promise<void> | void) => void
  afterEach: (body: () => Promise<void> | void) => void
}

interface StoreRecord {
  name: string
  source: string
  language?: 'ts' | 'js'
  hash: string
}

type StoreEvent = { type: 'set'; name: string; hash?: string } | { type: 'delete'; name: string }

/** The FunctionStore surface under test. */
export interface ConformingStore {
  list(): Promise<StoreRecord[]>
  get(name: string): Promise<StoreRecord | undefined>
  watch(listener: (event: StoreEvent) => void): () => void
  close?(): Promise<void> | void
}

export interface StoreFixture {
  store: ConformingStore
  /** Adds or replaces a function through the store's own medium (memory call, file write, database insert). */
  put(record: { name: string; source: string; language?: 'ts' | 'js' }): Promise<void>
  remove(name: string): Promise<void>
  /** Optional: tries to put an invalid name through the medium; must reject or be ignored by list(). */
  putInvalid?(name: string): Promise<void>
  dispose?(): Promise<void>
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Runs the FunctionStore contract against `create()` (a fresh, empty store per test). */
export function testFunctionStore(label: string, create: () => Promise<StoreFixture>, api: SuiteApi = vitestApi as SuiteApi): void {
  const { describe, it, expect, beforeEach, afterEach } = api
  describe(`FunctionStore conformance: ${label}`, () => {
    let fixture: StoreFixture
    beforeEach(async () => {
      fixture = await create()
    })
    afterEach(async () => {
      await fixture.store.close?.()
      await fixture.dispose?.()
    })

    it('starts empty and returns undefined for an unknown name', async () => {
      expect(await fixture.store.list()).toEqual([])
      expect(await fixture.store.get('missing')).toBeUndefined()
    })

    it('lists and gets what was put, nested names included, with a hash', async () => {
      await fixture.put({ name: 'hello', source: 'export default () => "hi"' })
      await fixture.put({ name: 'a/b', source: 'export default () => "ab"' })
      const names = (await fixture.store.list()).map((record) => record.name).sort()
      expect(names).toEqual(['a/b', 'hello'])
      const hello = await fixture.store.get('hello')
      expect(hello).toMatchObject({ name: 'hello', source: 'export default () => "hi"' })
      expect(typeof hello!.hash).toBe('string')
      expect(hello!.hash.length).toBeGreaterThan(0)
      expect((await fixture.store.get('a/b'))?.source).toBe('export default () => "ab"')
    })

    it('changes the hash when the source changes, and keeps it when it does not', async () => {
      await fixture.put({ name: 'h', source: 'export default () => 1' })
      const first = (await fixture.store.get('h'))!.hash
      expect((await fixture.store.get('h'))!.hash).toBe(first)
      await fixture.put({ name: 'h', source: 'export default () => 2' })
      expect((await fixture.store.get('h'))!.hash).not.toBe(first)
    })

    it('forgets a removed function', async () => {
      await fixture.put({ name: 'gone', source: 'export default () => 1' })
      await fixture.remove('gone')
      expect(await fixture.store.get('gone')).toBeUndefined()
      expect(await fixture.store.list()).toEqual([])
    })

    it('refuses invalid names on get', async () => {
      for (const bad of ['', '../x', 'a//b', 'has space', 'x'.repeat(257), 'a/../b']) {
        await expect(Promise.resolve().then(() => fixture.store.get(bad))).rejects.toMatchObject({ code: 'INVALID_FUNCTION_NAME' })
      }
    })

    it('never lists an invalid name', async (context?: { skip(note?: string): void }) => {
      // Skipped, not passed, when the store's medium cannot even hold an invalid name.
      if (!fixture.putInvalid) return context?.skip('this store has no way to put an invalid name through its medium')
      await fixture.put({ name: 'valid', source: 'export default () => 1' })
      // Either the medium refuses it or the store ignores it: it is never listed, and the valid one still is.
      await fixture.putInvalid('has space').catch(() => undefined)
      expect((await fixture.store.list()).map((record) => record.name)).toEqual(['valid'])
    })

    it('tells watchers about additions, changes and removals, until they unsubscribe', async () => {
      const events: StoreEvent[] = []
      const unsubscribe = fixture.store.watch((event) => events.push(event))
      // Let stores that take a baseline asynchronously (file system, change streams) settle first.
      await new Promise((resolve) => setTimeout(resolve, 100))
      await fixture.put({ name: 'w', source: 'export default () => 1' })
      await eventually(() => events.some((event) => event.type === 'set' && event.name === 'w'), 'a set event')
      await fixture.put({ name: 'w', source: 'export default () => 2' })
      await eventually(() => events.filter((event) => event.type === 'set' && event.name === 'w').length >= 2, 'a second set event')
      await fixture.remove('w')
      await eventually(() => events.some((event) => event.type === 'delete' && event.name === 'w'), 'a delete event')
      unsubscribe()
      const seen = events.length
      await fixture.put({ name: 'after', source: 'export default () => 1' })
      await new Promise((resolve) => setTimeout(resolve, 150))
      expect(events.length).toBe(seen)
    })
  })
}
