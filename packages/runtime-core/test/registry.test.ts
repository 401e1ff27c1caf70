import { MongoClient, type Db } from 'mongodb'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createExecutor, functionRegistry, mongoStore, DEPLOY_SCHEMA_VERSION, type Executor } from '@scraping-run/runtime-core'

const clients: MongoClient[] = []
const executors: Executor[] = []
afterAll(async () => {
  for (const executor of executors) await executor.close()
  for (const client of clients) await client.close()
})

function freshDb(): Db {
  const client = new MongoClient(inject('mongoUri'))
  clients.push(client)
  return client.db(uniqueDbName('registry'))
}

async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function serving(db: Db, environment: string) {
  const store = mongoStore({ db, environment })
  const executor = createExecutor({ store })
  executors.push(executor)
  await store.ready()
  return async (name: string) => {
    const result = await executor.invoke(name)
    return result.error ? result.error.code : result.data
  }
}

const v = (label: string) => `export default () => ${JSON.stringify(label)}`

describe('functionRegistry', () => {
  it('put → publish → promote → history → rollback, each served by the executor of its environment', async () => {
    const db = freshDb()
    const registry = functionRegistry({ db, pipeline: ['dev', 'staging', 'prod'] })
    const dev = await serving(db, 'dev')
    const staging = await serving(db, 'staging')
    expect(await dev('hello')).toBe('FUNCTION_NOT_FOUND')

    await registry.put('hello', { source: v('one') }, { by: 'ada' })
    // A draft is not live anywhere.
    expect(await dev('hello')).toBe('FUNCTION_NOT_FOUND')
    expect(await registry.publish('hello', { environment: 'dev', by: 'ada' })).toMatchObject({ version: 1, action: 'publish', by: 'ada' })
    expect(await eventually(() => dev('hello'), 'one')).toBe('one')

    await registry.put('hello', { source: v('two') })
    await registry.publish('hello', { environment: 'dev', by: 'ada' })
    expect(await eventually(() => dev('hello'), 'two')).toBe('two')
    expect(await staging('hello')).toBe('FUNCTION_NOT_FOUND')

    const promoted = await registry.promote('hello', { from: 'dev', to: 'staging', by: 'grace' })
    expect(promoted).toMatchObject({ environment: 'staging', version: 1, action: 'promote', promotedFrom: { environment: 'dev', version: 2 }, by: 'grace' })
    expect(await eventually(() => staging('hello'), 'two')).toBe('two')

    const history = await registry.history('hello', { environment: 'dev' })
    expect(history.map((entry) => [entry.version, entry.action, entry.by])).toEqual([
      [2, 'publish', 'ada'],
      [1, 'publish', 'ada'],
    ])
    expect(history[0]!.hash).not.toBe(history[1]!.hash)
    expect(history[0]!.at).toBeInstanceOf(Date)
    expect(history[0]).not.toHaveProperty('source')
    // With source: true each version carries what it deployed, so a console can diff two versions.
    const withSource = await registry.history('hello', { environment: 'dev', source: true })
    expect(withSource.map((entry) => entry.source)).toEqual([v('two'), v('one')])

    const rolled = await registry.rollback('hello', { environment: 'dev', version: 1, by: 'ada' })
    expect(rolled).toMatchObject({ version: 3, action: 'rollback', rollbackOf: 1, hash: history[1]!.hash })
    expect(await eventually(() => dev('hello'), 'one')).toBe('one')
    // Staging is untouched by dev's rollback.
    expect(await staging('hello')).toBe('two')

    expect(await registry.list({ environment: 'dev' })).toMatchObject([{ name: 'hello', version: 3 }])
    expect((await registry.get('hello', { environment: 'staging' }))?.source).toBe(v('two'))

    await registry.remove('hello', { environment: 'dev' })
    expect(await eventually(() => dev('hello'), 'FUNCTION_NOT_FOUND')).toBe('FUNCTION_NOT_FOUND')
    expect(await staging('hello')).toBe('two')
    expect((await registry.history('hello', { environment: 'dev' }))[0]).toMatchObject({ version: 4, action: 'remove' })
  })

  it('refuses an out-of-order promotion, a missing version and publishing without a draft', async () => {
    const registry = functionRegistry({ db: freshDb(), pipeline: ['dev', 'staging', 'prod'] })
    await registry.put('f', { source: v('f') })
    await registry.publish('f', { environment: 'dev' })
    await expect(registry.promote('f', { from: 'dev', to: 'prod' })).rejects.toMatchObject({ code: 'PROMOTION_ORDER' })
    await expect(registry.promote('f', { from: 'staging', to: 'prod' })).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' })
    await expect(registry.rollback('f', { environment: 'dev', version: 7 })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
    await expect(registry.publish('nope', { environment: 'dev' })).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' })
    await expect(registry.publish('f', { environment: 'Not An Env' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(registry.put('bad name', { source: v('x') })).rejects.toMatchObject({ code: 'INVALID_FUNCTION_NAME' })
  })

  it('refuses a syntax error at put, with the line and column, and keeps the previous draft', async () => {
    const registry = functionRegistry({ db: freshDb() })
    await registry.put('f', { source: v('good') })
    const error = await registry.put('f', { source: 'export default () => {\n  return 1 +\n}' }).catch((thrown) => thrown)
    expect(error).toMatchObject({ code: 'COMPILE_ERROR', line: 3, column: 0 })
    expect(error.message).toMatch(/^f:3:0: /)
    expect((await registry.getDraft('f'))?.source).toBe(v('good'))
  })

  it('records the npm packages a function imports; a host without one answers MISSING_MODULE naming it', async () => {
    const db = freshDb()
    const registry = functionRegistry({ db })
    const info = await registry.put('deps', {
      source: `import cloud from '@scraping-run/cloud'\nimport { join } from 'node:path'\nimport fs from 'fs'\nimport x from '@/lib/x'\nimport pad from 'left-pad-not-installed/sub'\nimport { y } from '@scope-nope/pkg/deep'\nexport default () => 1`,
    })
    expect(info.packages).toEqual(['@scope-nope/pkg', 'left-pad-not-installed'])
    await registry.publish('deps', { environment: 'dev' })
    await registry.put('ok', { source: `import { MongoClient } from 'mongodb'\nexport default () => typeof MongoClient` })
    await registry.publish('ok', { environment: 'dev' })
    const call = await serving(db, 'dev')
    expect(await call('ok')).toBe('function')
    const executor = executors.at(-1)!
    const result = await executor.invoke('deps')
    expect(result.error).toMatchObject({ code: 'MISSING_MODULE' })
    expect(result.error!.message).toMatch(/"@scope-nope\/pkg"/)
  })

  it('versions stay monotonic under concurrent publishes, and the newest one ends up live', async () => {
    const db = freshDb()
    const registry = functionRegistry({ db })
    await registry.put('c', { source: v('c') })
    const deployments = await Promise.all(Array.from({ length: 20 }, () => registry.publish('c', { environment: 'dev' })))
    expect(deployments.map((deployment) => deployment.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1))
    expect((await registry.get('c', { environment: 'dev' }))?.version).toBe(20)
  })

  it('keeps counting versions after a remove, and stores values that start with $ as they are', async () => {
    const db = freshDb()
    const registry = functionRegistry({ db })
    await registry.put('r', { source: 'export default () => "$set"', language: 'js', methods: ['GET'], description: '$version' })
    await registry.publish('r', { environment: 'dev' })
    expect(await registry.get('r', { environment: 'dev' })).toMatchObject({ source: 'export default () => "$set"', description: '$version', version: 1 })
    expect(await registry.remove('r')).toEqual({ removed: 1 })
    expect(await registry.get('r', { environment: 'dev' })).toBeUndefined()
    expect(await registry.list({ environment: 'dev' })).toEqual([])
    await registry.put('r', { source: v('back') })
    expect(await registry.publish('r', { environment: 'dev' })).toMatchObject({ version: 3 })
    // Metadata the new draft no longer has is gone from the live document.
    expect((await registry.get('r', { environment: 'dev' }))?.methods).toBeUndefined()
    expect((await registry.history('r', { environment: 'dev' })).map((entry) => entry.action)).toEqual(['publish', 'remove', 'publish'])
  })

  it('writes documents with a schema version', async () => {
    const db = freshDb()
    const registry = functionRegistry({ db })
    await registry.put('s', { source: v('s') })
    await registry.publish('s', { environment: 'dev' })
    for (const name of ['__functions__', '__functions__.drafts', '__functions__.history']) {
      expect(await db.collection(name).findOne({})).toMatchObject({ schemaVersion: DEPLOY_SCHEMA_VERSION })
    }
  })
})
