import { build, type BuildFailure } from 'esbuild'
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
const CLOUD_SPECIFIERS = new Set(['@scraping-run/cloud', '@lafjs/cloud'])
const cache = new Map<string, Promise<CompiledFunction>>()

/** The file name a function's stack frames and logs show: `hello.ts`, `a/b.js`. */
export function functionFilename(name: string, language: FunctionLanguage = 'ts'): string {
  return `${name}.${language}`
}

/** Compiles TS or JS to CommonJS (esbuild, one file: imports stay external) with a source map. Cached by hash. */
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
    // A one-file "bundle" with every import external is esbuild's transform plus a metafile: the imports esbuild's own
    // parser found, with their kind, in the same round trip.
    result = await build({
      stdin: { contents: source, loader: language, sourcefile: filename },
      bundle: true,
      external: ['*'],
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      outfile: `${filename}.js`,
      write: false,
      metafile: true,
      // import() becomes require(), so ESM-only packages load through Node's require(esm) and functions import each other.
      supported: { 'dynamic-import': false },
      logLevel: 'silent',
    })
  } catch (error) {
    const first = (error as BuildFailure).errors?.[0]
    const location = first?.location
    throw new CompileError(
      name,
      first?.text ?? (error as Error).message,
      { line: location?.line ?? 0, column: location?.column ?? 0, lineText: location?.lineText ?? '' },
      { cause: error },
    )
  }
  const code = result.outputFiles.find((file) => file.path.endsWith('.js'))!.text
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'))!.text
  const specifiers = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((entry) => entry.path))
  const imports = functionImports(name, specifiers)
  const packages = [...new Set(specifiers.filter((specifier) => !(specifier in imports) && !CLOUD_SPECIFIERS.has(specifier)))]
  return { name, hash, filename, code, map, imports, packages }
}

/**
 * The `@/x` and relative specifiers among a module's imports (static `import`, `export … from`, `require()` and `import()`
 * of a string literal, as esbuild's parser found them), resolved against the importing function's name. A string or a
 * comment that merely mentions `require("./x")` is no import; computed specifiers fail at run time, by name.
 */
export function functionImports(name: string, specifiers: readonly string[]): Record<string, string> {
  const imports: Record<string, string> = {}
  for (const specifier of specifiers) {
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
