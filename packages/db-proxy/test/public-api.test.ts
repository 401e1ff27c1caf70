import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/db-proxy'
import * as expressApi from '@scraping-run/db-proxy/express'
import { DBPROXY_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'DEFAULT_LIMITS',
        'assertAllowed',
        'assertDenied',
        'DbProxyError',
        'compilePolicy',
        'createDatabaseProvider',
        'createDbProxy',
        'createDirectTransport',
        'createMongoAccessor',
        'normalizeCondition',
      ].sort(),
    )
  })

  it('the express subpath exports exactly dbProxyRouter', () => {
    expect(Object.keys(expressApi).sort()).toEqual(['dbProxyRouter'])
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...DBPROXY_ERROR_CODES].sort())
  })

  it('DbProxyError carries code and cause and is recognised by is()', () => {
    const cause = new Error('root')
    const error = new api.DbProxyError(DBPROXY_ERROR_CODES[0], 'message', { cause })
    expect(error.name).toBe('DbProxyError')
    expect(error.cause).toBe(cause)
    expect(api.DbProxyError.is(error, DBPROXY_ERROR_CODES[0])).toBe(true)
    expect(api.DbProxyError.is(new Error('x'))).toBe(false)
  })
})
