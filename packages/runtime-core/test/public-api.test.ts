import { readmeErrorCodes } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'
import * as api from '@scraping-run/runtime-core'
import * as expressApi from '@scraping-run/runtime-core/express'
import { RUNTIME_ERROR_CODES } from '../src/errors.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'CompileError',
        'RuntimeError',
        'TRIGGER_TOKEN_HEADER',
        'compileFunction',
        'consoleSink',
        'createExecutor',
        'createHttpHandler',
        'attachWebSocket',
        'directoryStore',
        'isolateSandbox',
        'isolateUnavailableReason',
        'memorySink',
        'memoryStore',
        'vmSandbox',
        'mongoSink',
        'tracingSink',
        'metricsSink',
        'createLogsHandler',
        'createMetricsHandler',
        'mongoStore',
        'functionDocumentId',
        'lafConf',
        'functionRegistry',
        'DEPLOY_SCHEMA_VERSION',
        'envRegistry',
        'mongoEnv',
        'redactingSink',
        'createAdminApi',
        'adminRouter',
        'memoryLease',
        'mongoLease',
        'createScheduler',
        'parseSchedule',
        'buildOpenApiDocument',
        'openApiDocument',
      ].sort(),
    )
  })

  it('exports exactly these names from ./express', () => {
    expect(Object.keys(expressApi).sort()).toEqual(
      [
        'DEBUG_LOGS_HEADER',
        'DEBUG_SOURCE_HEADER',
        'DEBUG_TIME_HEADER',
        'DEVELOP_TOKEN_HEADER',
        'TRIGGER_TOKEN_HEADER',
        'decodeDebugHeader',
        'encodeDebugHeader',
        'functionsMiddleware',
      ].sort(),
    )
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

  it('CompileError is a RuntimeError with code COMPILE_ERROR and a position', () => {
    const error = new api.CompileError('hello', 'Unexpected "}"', { line: 3, column: 4, lineText: '}' })
    expect(error.name).toBe('CompileError')
    expect(api.RuntimeError.is(error, 'COMPILE_ERROR')).toBe(true)
    expect(error.message).toContain('hello:3:4')
    expect([error.line, error.column, error.lineText]).toEqual([3, 4, '}'])
  })
})
