import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/cloud'
import { CLOUD_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'Aggregation',
        'CloudError',
        'CollectionReference',
        'Db',
        'DbCommand',
        'DocumentReference',
        'Query',
        'awslambda',
        'cloud',
        'command',
        'createDatabase',
        'createTokenHelpers',
        'default',
        'getCloudProvider',
        'getToken',
        'parseToken',
        'setCloudProvider',
        'sse',
        'sseEvent',
      ].sort(),
    )
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...CLOUD_ERROR_CODES].sort())
  })

  it('CloudError carries code, name and cause', () => {
    const cause = new Error('root')
    const error = new api.CloudError('NOT_CONFIGURED', 'nope', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('CloudError')
    expect(error.code).toBe('NOT_CONFIGURED')
    expect(error.cause).toBe(cause)
    expect(api.CloudError.is(error)).toBe(true)
    expect(api.CloudError.is(error, 'NO_PROVIDER')).toBe(false)
    expect(api.CloudError.is(new Error('x'))).toBe(false)
    expect(api.CloudError.is(null)).toBe(false)
  })
})
