import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/mcp-adapter'
import { MCP_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['McpAdapterError'])
  })

  it('documents every error code in the README, and no other', () => {
    expect(readmeErrorCodes(new URL('../README.md', import.meta.url)).sort()).toEqual([...MCP_ERROR_CODES].sort())
  })

  it('McpAdapterError carries code and cause and is recognised by is()', () => {
    const cause = new Error('root')
    const error = new api.McpAdapterError(MCP_ERROR_CODES[0], 'message', { cause })
    expect(error.name).toBe('McpAdapterError')
    expect(error.cause).toBe(cause)
    expect(api.McpAdapterError.is(error, MCP_ERROR_CODES[0])).toBe(true)
    expect(api.McpAdapterError.is(new Error('x'))).toBe(false)
  })
})
