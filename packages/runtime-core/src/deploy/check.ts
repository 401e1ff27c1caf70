import { builtinModules, createRequire } from 'node:module'
import { join } from 'node:path'
import { compileFunction, resolveFunctionSpecifier } from '../compiler.js'
import { RuntimeError } from '../errors.js'
import { hashRecord } from '../names.js'
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
 * Compiles a draft with the executor's own compiler (so a syntax error is the same `CompileError`, line and column) and
 * returns the npm packages it imports.
 */
export async function checkSource(name: string, source: string, language: FunctionLanguage = 'ts'): Promise<{ packages: string[] }> {
  const compiled = await compileFunction({ name, source, language, hash: `check-${hashRecord({ source, language })}` })
  const packages = new Set<string>()
  for (const specifier of compiled.packages ?? []) {
    const pkg = packageOf(specifier)
    if (pkg) packages.add(pkg)
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
