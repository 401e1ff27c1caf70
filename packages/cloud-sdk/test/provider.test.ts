import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import cloudDefault, { CloudError, cloud, getCloudProvider, setCloudProvider, type CloudSdk } from '@scraping-run/cloud'

function fakeSdk(overrides: Partial<CloudSdk> = {}): CloudSdk {
  const shared = new Map<string, unknown>()
  return {
    database: () => ({ kind: 'db' }) as any,
    mongo: { client: 'client', db: 'db' } as any,
    invoke: async (name, params) => ({ name, params }) as any,
    getToken: (payload) => `token:${JSON.stringify(payload)}`,
    parseToken: (token) => (token === 'good' ? { uid: 'u1' } : null),
    storage: { bucket: (name: string) => ({ name }) as any },
    sockets: {
      size: 0,
      forEach: () => undefined,
      values: () => [][Symbol.iterator](),
      [Symbol.iterator]: () => [][Symbol.iterator](),
      get: () => undefined,
      has: () => false,
      send: () => false,
      broadcast: () => 0,
    },
    appid: 'app-1',
    env: { A: '1' },
    shared,
    ...overrides,
  }
}

let restore: (() => void) | undefined
afterEach(() => {
  restore?.()
  restore = undefined
})

describe('cloud without a provider', () => {
  it.each(['appid', 'env', 'mongo', 'storage', 'sockets', 'shared'] as const)('throws NO_PROVIDER on cloud.%s', (member) => {
    expect(getCloudProvider()).toBeUndefined()
    let caught: unknown
    try {
      void cloud[member]
    } catch (error) {
      caught = error
    }
    expect(CloudError.is(caught, 'NO_PROVIDER')).toBe(true)
    expect((caught as Error).message).toContain('setCloudProvider')
    expect((caught as Error).message).toContain(`cloud.${member}`)
  })

  it('throws NO_PROVIDER from methods', () => {
    expect(() => cloud.database()).toThrowError(/no cloud provider is installed/)
    expect(() => cloud.invoke('x')).toThrowError(CloudError)
  })
})

describe('cloud with a provider', () => {
  it('delegates every member to the installed provider', async () => {
    const sdk = fakeSdk()
    restore = setCloudProvider(() => sdk)
    expect(cloudDefault).toBe(cloud)
    expect(cloud.appid).toBe('app-1')
    expect(cloud.env).toEqual({ A: '1' })
    expect(cloud.mongo).toBe(sdk.mongo)
    expect(cloud.shared).toBe(sdk.shared)
    expect(cloud.sockets).toBe(sdk.sockets)
    expect(cloud.storage.bucket('b')).toEqual({ name: 'b' })
    expect(cloud.database()).toEqual({ kind: 'db' })
    expect(await cloud.invoke('other', { body: { a: 1 } })).toEqual({ name: 'other', params: { body: { a: 1 } } })
    expect(cloud.getToken({ uid: 'x' })).toBe('token:{"uid":"x"}')
    expect(cloud.parseToken('good')).toEqual({ uid: 'u1' })
  })

  it('asks the factory on every access, so a runtime can hand out a per-invocation SDK', () => {
    let appid = 'first'
    restore = setCloudProvider(() => fakeSdk({ appid }))
    expect(cloud.appid).toBe('first')
    appid = 'second'
    expect(cloud.appid).toBe('second')
  })

  it('restores the previous provider', () => {
    const outer = setCloudProvider(() => fakeSdk({ appid: 'outer' }))
    const inner = setCloudProvider(() => fakeSdk({ appid: 'inner' }))
    expect(cloud.appid).toBe('inner')
    inner()
    expect(cloud.appid).toBe('outer')
    outer()
    expect(getCloudProvider()).toBeUndefined()
  })

  it('refuses a provider that is not a function', () => {
    expect(() => setCloudProvider({} as any)).toThrowError(/expects a function/)
  })

  it('is frozen, so user code cannot replace a member for everyone', () => {
    expect(Object.isFrozen(cloud)).toBe(true)
  })
})

describe('a second copy of the SDK, bundled separately', () => {
  it('finds the provider the host installed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cloud-copy-'))
    try {
      const outfile = join(dir, 'copy.mjs')
      await build({
        entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile,
        logLevel: 'silent',
      })
      const copy = await import(pathToFileURL(outfile).href)
      expect(copy.cloud === cloud).toBe(false)
      expect(() => copy.cloud.appid).toThrowError(/no cloud provider/)
      restore = setCloudProvider(() => fakeSdk({ appid: 'from-host' }))
      expect(copy.cloud.appid).toBe('from-host')
      // Errors from either copy are recognised by the other.
      restore()
      restore = undefined
      let caught: unknown
      try {
        void copy.cloud.env
      } catch (error) {
        caught = error
      }
      expect(caught).not.toBeInstanceOf(CloudError)
      expect(CloudError.is(caught, 'NO_PROVIDER')).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
