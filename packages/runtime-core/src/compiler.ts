import { transform, type TransformFailure } from 'esbuild'
import { CompileError } from './errors.js'
import type { CompiledFunction, FunctionLanguage } from './types.js'

export interface CompileInput {
  name: string
  source: string
  language?: FunctionLanguage
  /** Cache key; anything that identifies the source (the record's hash). */
  hash: string
}

// Compiled output by name + hash + language; bounded so a host that edits thousands of functions does not grow forever.
const MAX_CACHED = 2000
const cache = new Map<string, Promise<CompiledFunction>>()

/** The file name a function's stack frames and logs show: `hello.ts`, `a/b.js`. */
export function functionFilename(name: string, language: FunctionLanguage = 'ts'): string {
  return `${name}.${language}`
}

/** Compiles TS or JS to CommonJS (esbuild transform, not bundling) with a source map. Cached by hash. */
export function compileFunction(input: CompileInput): Promise<CompiledFunction> {
  const key = `${input.name}\0${input.hash}\0${input.language ?? 'ts'}`
  const hit = cache.get(key)
  if (hit) {
    // Refresh recency.
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  const pending = doCompile(input)
  cache.set(key, pending)
  pending.catch(() => cache.delete(key))
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string)
  return pending
}

async function doCompile({ name, source, language = 'ts', hash }: CompileInput): Promise<CompiledFunction> {
  const filename = functionFilename(name, language)
  let result
  try {
    result = await transform(source, {
      loader: language,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
      // import() becomes require(), so ESM-only packages load through Node's require(esm) and functions import each other.
      supported: { 'dynamic-import': false },
      logLevel: 'silent',
    })
  } catch (error) {
    const first = (error as TransformFailure).errors?.[0]
    const location = first?.location
    throw new CompileError(
      name,
      first?.text ?? (error as Error).message,
      { line: location?.line ?? 0, column: location?.column ?? 0, lineText: location?.lineText ?? '' },
      { cause: error },
    )
  }
  return { name, hash, filename, code: result.code, map: result.map, imports: findFunctionImports(name, result.code) }
}

const REQUIRE = /\brequire\(\s*(["'])([^"'\n]+)\1\s*\)/g

/** `@/x` and relative specifiers in the compiled code, resolved against the importing function's name. */
export function findFunctionImports(name: string, code: string): Record<string, string> {
  const imports: Record<string, string> = {}
  for (const match of code.matchAll(REQUIRE)) {
    const specifier = match[2]!
    const target = resolveFunctionSpecifier(name, specifier)
    if (target !== undefined) imports[specifier] = target
  }
  return imports
}

/** `@/a/b` → `a/b`; `./c` from `a/b` → `a/c`; `../c` from `a/b/d` → `a/c`. Other specifiers → undefined (npm/builtin). */
export function resolveFunctionSpecifier(from: string, specifier: string): string | undefined {
  let path: string
  if (specifier.startsWith('@/')) path = specifier.slice(2)
  else if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const parts = from.split('/').slice(0, -1)
    for (const part of specifier.split('/')) {
      if (part === '.' || part === '') continue
      if (part === '..') parts.pop()
      else parts.push(part)
    }
    path = parts.join('/')
  } else return undefined
  return path.replace(/\.(ts|js|mjs|cjs)$/, '')
}
