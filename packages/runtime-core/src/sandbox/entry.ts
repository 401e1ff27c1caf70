import { RuntimeError } from '../errors.js'
import type { EntryKind, JsonValue } from './protocol.js'

/**
 * Picks a module's entry point, the same way in every sandbox: `export default`, then `export function main`, then a
 * Lambda-style `export const handler`. A CommonJS module that exports a function is its own default.
 */
export function selectEntry(name: string, exports: any): { kind: EntryKind; fn: (...args: unknown[]) => unknown } {
  if (typeof exports === 'function') return { kind: 'default', fn: exports }
  if (typeof exports?.default === 'function') return { kind: 'default', fn: exports.default }
  if (typeof exports?.main === 'function') return { kind: 'main', fn: exports.main }
  if (typeof exports?.handler === 'function') return { kind: 'handler', fn: exports.handler }
  throw new RuntimeError('NO_ENTRY_POINT', `${name} has no entry point: export a default function or a function named main`)
}

/** The exported `meta` as JSON (a getter that throws, or a value JSON cannot say, reads as no meta). */
export function copyMeta(exports: any): JsonValue | undefined {
  try {
    const meta = exports?.meta
    if (meta === undefined || typeof meta === 'function') return undefined
    const json = JSON.stringify(meta)
    return json === undefined ? undefined : (JSON.parse(json) as JsonValue)
  } catch {
    return undefined
  }
}
