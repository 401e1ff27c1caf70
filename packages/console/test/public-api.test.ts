import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'
import { CONSOLE_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['ConsoleError', 'consoleRouter', 'createConsoleApi'])
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...CONSOLE_ERROR_CODES].sort())
  })

  it('ConsoleError carries code and cause and is recognised by is()', () => {
    const cause = new Error('root')
    const error = new api.ConsoleError('BAD_REQUEST', 'message', { cause })
    expect(error.name).toBe('ConsoleError')
    expect(error.cause).toBe(cause)
    expect(api.ConsoleError.is(error, 'BAD_REQUEST')).toBe(true)
    expect(api.ConsoleError.is(error, 'NOT_FOUND')).toBe(false)
    expect(api.ConsoleError.is(new Error('x'))).toBe(false)
  })
})
