import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/runtime-core'
import { RUNTIME_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['RuntimeError'])
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...RUNTIME_ERROR_CODES].sort())
  })

  it('RuntimeError carries code and cause and is recognised by is()', () => {
    const cause = new Error('root')
    const error = new api.RuntimeError(RUNTIME_ERROR_CODES[0], 'message', { cause })
    expect(error.name).toBe('RuntimeError')
    expect(error.cause).toBe(cause)
    expect(api.RuntimeError.is(error, RUNTIME_ERROR_CODES[0])).toBe(true)
    expect(api.RuntimeError.is(new Error('x'))).toBe(false)
  })
})
