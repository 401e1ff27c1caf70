import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/mcp-adapter'
import { MCP_ERROR_CODES } from '../src/errors.js'
import { importPeer } from '../src/peers.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['McpAdapterError', 'createMcpHandler'])
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
    expect(api.McpAdapterError.is(error, 'INVALID_SCHEMA')).toBe(false)
    expect(api.McpAdapterError.is(new Error('x'))).toBe(false)
  })
})

describe('a missing MCP SDK peer', () => {
  it('fails with MISSING_PEER naming the package to install', async () => {
    // A real failed import of a package that is not installed, through the same path the SDK imports take.
    const missing = '@modelcontextprotocol/not-installed'
    const error = await importPeer(missing, () => import(/* @vite-ignore */ missing), 'MCP').catch((e: unknown) => e)
    expect(api.McpAdapterError.is(error, 'MISSING_PEER')).toBe(true)
    expect((error as Error).message).toContain('npm install @modelcontextprotocol/not-installed')
  })

  it('passes other load errors through untouched', async () => {
    const boom = new Error('syntax error in the SDK')
    await expect(importPeer('@modelcontextprotocol/server', () => Promise.reject(boom), 'MCP')).rejects.toBe(boom)
  })
})
