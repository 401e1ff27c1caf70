import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/storage'
import { STORAGE_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['StorageError', 'createStorage', 'storageFromEnv'])
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...STORAGE_ERROR_CODES].sort())
  })

  it('StorageError carries code and cause and is recognised by is()', () => {
    const cause = new Error('root')
    const error = new api.StorageError(STORAGE_ERROR_CODES[0], 'message', { cause })
    expect(error.name).toBe('StorageError')
    expect(error.cause).toBe(cause)
    expect(api.StorageError.is(error, STORAGE_ERROR_CODES[0])).toBe(true)
    expect(api.StorageError.is(new Error('x'))).toBe(false)
  })
})
