import { transform, type TransformFailure } from 'esbuild'
import { init as lexerReady, parse as lexImports } from 'es-module-lexer'
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
  let esm
  try {
    // The CommonJS output runs; the ESM output (same source, in parallel) is only lexed for imports.
    ;[result, esm] = await Promise.all([
      transform(source, {
        loader: language,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        sourcemap: 'external',
        sourcefile: filename,
        // import() becomes require(), so ESM-only packages load through Node's require(esm) and functions import each other.
        supported: { 'dynamic-import': false },
        logLevel: 'silent',
      }),
      transform(source, { loader: language, format: 'esm', target: 'es2022', sourcefile: filename, logLevel: 'silent' }),
    ])
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
  return { name, hash, filename, code: result.code, map: result.map, imports: await findFunctionImports(name, esm.code) }
}

/**
 * `@/x` and relative specifiers the module imports (static `import`/`export … from`, and `import()` of a string
 * literal), resolved against the importing function's name. A real lexer, so a string or comment that merely contains
 * `require("./x")` is not an import. Dynamic imports of computed specifiers are left to fail at run time, by name.
 */
let ready: Promise<void> | undefined

export async function findFunctionImports(name: string, esmCode: string): Promise<Record<string, string>> {
  await (ready ??= lexerReady())
  const imports: Record<string, string> = {}
  for (const entry of lexImports(esmCode)[0]) {
    const specifier = entry.specifier
    // import.meta, and import() of a computed (or template) specifier, name nothing the executor can load ahead.
    if (typeof specifier !== 'string' || (entry.type === 'dynamic' && entry.glob)) continue
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
