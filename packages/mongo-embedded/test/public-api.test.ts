// Relative: test-utils depends on this package (it starts the embedded server), so no workspace dependency back.
import { readmeErrorCodes } from '../../../common/test-utils/src/docs.js'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/mongo-embedded'
import { MONGO_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['MongoEmbeddedError', 'startMongoEmbedded'])
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...MONGO_ERROR_CODES].sort())
  })

  it('MongoEmbeddedError carries code and cause and is recognised by is()', () => {
    const cause = new Error('root')
    const error = new api.MongoEmbeddedError(MONGO_ERROR_CODES[0], 'message', { cause })
    expect(error.name).toBe('MongoEmbeddedError')
    expect(error.cause).toBe(cause)
    expect(api.MongoEmbeddedError.is(error, MONGO_ERROR_CODES[0])).toBe(true)
    expect(api.MongoEmbeddedError.is(new Error('x'))).toBe(false)
  })
})
