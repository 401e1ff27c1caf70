import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'

/** Source maps of loaded functions by file name, to rewrite stack frames back to the function's own lines. */
export class SourceMaps {
  private readonly raw = new Map<string, string>()
  private readonly parsed = new Map<string, TraceMap>()

  /** Registers a map; returns a function that puts back the map this one replaced (debug runs borrow the file name). */
  set(filename: string, map: string): () => void {
    const previous = this.raw.get(filename)
    if (previous === map) return () => undefined
    this.raw.set(filename, map)
    this.parsed.delete(filename)
    return () => {
      if (this.raw.get(filename) !== map) return
      if (previous === undefined) this.raw.delete(filename)
      else this.raw.set(filename, previous)
      this.parsed.delete(filename)
    }
  }

  /** Rewrites `(hello.ts:3:11)` / `at hello.ts:3:11` frames of known functions to their source positions. */
  remap = (stack: string): string => {
    if (this.raw.size === 0) return stack
    return stack.replace(/([A-Za-z0-9_.\-/]+\.(?:ts|js)):(\d+):(\d+)/g, (whole, file: string, line: string, column: string) => {
      const map = this.traceMap(file)
      if (!map) return whole
      const position = originalPositionFor(map, { line: Number(line), column: Number(column) - 1 })
      if (position.line == null) return whole
      return `${file}:${position.line}:${(position.column ?? 0) + 1}`
    })
  }

  /**
   * Remaps, then keeps the frames a function's author can act on: the function files and npm packages, not this
   * runtime's own frames or Node internals.
   */
  cleanStack = (stack: string): string => {
    const files = [...this.raw.keys()]
    return this.remap(stack)
      .split('\n')
      .filter((line) => {
        if (!line.startsWith('    at ')) return true
        if (files.some((file) => line.includes(`${file}:`))) return true
        return line.includes('node_modules') && !line.includes('runtime-core')
      })
      .join('\n')
  }

  private traceMap(file: string): TraceMap | undefined {
    let map = this.parsed.get(file)
    if (map) return map
    const raw = this.raw.get(file)
    if (!raw) return undefined
    map = new TraceMap(raw)
    this.parsed.set(file, map)
    return map
  }
}
