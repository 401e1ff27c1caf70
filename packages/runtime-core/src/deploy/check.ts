import { builtinModules, createRequire } from 'node:module'
import { join } from 'node:path'
import { build, type BuildFailure } from 'esbuild'
import { functionFilename, resolveFunctionSpecifier } from '../compiler.js'
import { CompileError, RuntimeError } from '../errors.js'
import type { FunctionLanguage } from '../types.js'

// Provided by the runtime itself, never installed per host.
const PROVIDED = new Set(['@scraping-run/cloud', '@lafjs/cloud'])
const BUILTINS = new Set(builtinModules)

/** The npm package a bare specifier names: `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`; else undefined. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || resolveFunctionSpecifier('x', specifier) !== undefined) return undefined
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
  if (!name || PROVIDED.has(name) || BUILTINS.has(name)) return undefined
  return name
}

/**
 * Compiles a draft the way the executor will (esbuild, one file, every import external) and returns the npm packages it
 * imports. A syntax error is a `CompileError` with the line and column.
 */
export async function checkSource(name: string, source: string, language: FunctionLanguage = 'ts'): Promise<{ packages: string[] }> {
  const filename = functionFilename(name, language)
  let result
  try {
    result = await build({
      stdin: { contents: source, loader: language, sourcefile: filename },
      bundle: true,
      external: ['*'],
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outfile: `${filename}.js`,
      write: false,
      metafile: true,
      supported: { 'dynamic-import': false },
      logLevel: 'silent',
    })
  } catch (error) {
    const first = (error as BuildFailure).errors?.[0]
    const location = first?.location
    throw new CompileError(name, first?.text ?? (error as Error).message, {
      line: location?.line ?? 0,
      column: location?.column ?? 0,
      lineText: location?.lineText ?? '',
    })
  }
  const packages = new Set<string>()
  for (const input of Object.values(result.metafile.inputs)) {
    for (const entry of input.imports) {
      const pkg = packageOf(entry.path)
      if (pkg) packages.add(pkg)
    }
  }
  return { packages: [...packages].sort() }
}

const resolvable = new Map<string, boolean>()

/** Throws `MISSING_MODULE` naming the first of `packages` this host cannot load from `modulesRoot`. */
export function assertPackagesInstalled(functionName: string, packages: readonly string[] | undefined, modulesRoot: string): void {
  if (!packages?.length) return
  const require = createRequire(join(modulesRoot, 'noop.js'))
  for (const pkg of packages) {
    const key = `${modulesRoot}\0${pkg}`
    // Only successes are remembered: a package installed later is found on the next call.
    if (resolvable.get(key)) continue
    let found = false
    try {
      require.resolve(`${pkg}/package.json`)
      found = true
    } catch {
      try {
        require.resolve(pkg)
        found = true
      } catch {
        found = false
      }
    }
    if (!found) {
      throw new RuntimeError(
        'MISSING_MODULE',
        `function ${functionName} imports the npm package "${pkg}", which is not installed on this host (under ${modulesRoot}); functions deployed from MongoDB use the packages installed on each host: npm install ${pkg}`,
      )
    }
    resolvable.set(key, true)
  }
}
