import { gunzipSync, gzipSync } from 'node:zlib'
import { RuntimeError } from '../../errors.js'
import type { FunctionLanguage, LogRecord } from '../../types.js'

export const DEVELOP_TOKEN_HEADER = 'x-scraping-run-develop-token'
export const DEBUG_SOURCE_HEADER = 'x-scraping-run-debug-source'
export const DEBUG_LOGS_HEADER = 'x-scraping-run-debug-logs'
export const DEBUG_TIME_HEADER = 'x-scraping-run-debug-time'

/** Encodes a value as the debug headers carry it: base64 of gzip of JSON. */
export function encodeDebugHeader(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value))).toString('base64')
}

export function decodeDebugHeader(value: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(value, 'base64')).toString('utf8'))
}

/** The `{source, language}` of `x-scraping-run-debug-source`. */
export function decodeDebugSource(header: string): { source: string; language?: FunctionLanguage } {
  let decoded: any
  try {
    decoded = decodeDebugHeader(header)
  } catch (error) {
    throw new RuntimeError('BAD_REQUEST', `${DEBUG_SOURCE_HEADER} must be base64 of gzipped JSON {source, language}`, { cause: error })
  }
  if (typeof decoded?.source !== 'string') throw new RuntimeError('BAD_REQUEST', `${DEBUG_SOURCE_HEADER} has no string "source"`)
  if (decoded.language !== undefined && decoded.language !== 'ts' && decoded.language !== 'js') {
    throw new RuntimeError('BAD_REQUEST', `${DEBUG_SOURCE_HEADER}: language must be "ts" or "js"`)
  }
  return { source: decoded.source, ...(decoded.language ? { language: decoded.language } : {}) }
}

export function encodeDebugLogs(logs: LogRecord[]): string {
  return encodeDebugHeader(logs)
}
