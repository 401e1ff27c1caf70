import { type Bucket, type Storage } from '@scraping-run/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshBucket, recordCommands } from './helpers.js'

const COUNT = 2500
let storage: Storage
let bucket: Bucket
let expected: string[]

beforeAll(async () => {
  ;({ storage, bucket } = await freshBucket())
  expected = Array.from({ length: COUNT }, (_, i) => `many/${String(i).padStart(5, '0')}.txt`)
  // Eight writers at a time: fast enough, and gentle on a two-core runner.
  const queue = [...expected]
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let key = queue.shift(); key; key = queue.shift()) await bucket.writeFile(key, key)
    }),
  )
  await bucket.writeFile('other/outside.txt', 'not under many/')
}, 120_000)
afterAll(() => storage.destroy())

describe(`${COUNT} keys`, () => {
  it('listFiles pages through them with the cursor, 1,000 at most per page', async () => {
    const pages: number[] = []
    const keys: string[] = []
    let cursor: string | undefined
    do {
      const page = await bucket.listFiles({ prefix: 'many/', cursor })
      pages.push(page.files.length)
      keys.push(...page.files.map((file) => file.key))
      cursor = page.nextCursor
    } while (cursor)
    expect(pages).toEqual([1000, 1000, 500])
    expect(keys).toEqual(expected)
  })

  it('listFiles honours a smaller limit', async () => {
    const page = await bucket.listFiles({ prefix: 'many/', limit: 700 })
    expect(page.files).toHaveLength(700)
    const next = await bucket.listFiles({ prefix: 'many/', limit: 700, cursor: page.nextCursor })
    expect(next.files[0]!.key).toBe(expected[700])
  })

  it('listAll yields every one of them, and nothing outside the prefix', async () => {
    const keys: string[] = []
    for await (const file of bucket.listAll({ prefix: 'many/' })) keys.push(file.key)
    expect(keys).toEqual(expected)
    let all = 0
    for await (const _ of bucket.listAll()) all++
    expect(all).toBe(COUNT + 1)
  })

  it('deleteFiles removes them all in batches of 1,000', async () => {
    const sent = recordCommands(storage)
    await bucket.deleteFiles(expected)
    expect(sent).toEqual(['DeleteObjectsCommand', 'DeleteObjectsCommand', 'DeleteObjectsCommand'])
    expect((await bucket.listFiles({ prefix: 'many/' })).files).toEqual([])
    expect(await bucket.exists('other/outside.txt')).toBe(true)
    // s3rver deletes 2,500 files one by one on disk: 5–13 s on a loaded two-core machine, past the default 20 s once.
  }, 90_000)
})
