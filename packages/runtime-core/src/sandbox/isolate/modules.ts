import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { build, type BuildFailure } from 'esbuild'
import { RuntimeError } from '../../errors.js'

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)])

/**
 * npm packages for the isolate: only those the host allows, each bundled once with esbuild into one CommonJS module
 * (platform neutral, so a package that needs a Node built-in is refused at load with its name).
 */
export function createModuleBundler(allow: readonly string[], modulesRoot: string): (functionName: string, specifier: string) => Promise<string> {
  const allowed = new Set(allow)
  const bundles = new Map<string, Promise<string>>()
  const root = resolve(modulesRoot)

  async function bundle(specifier: string): Promise<string> {
    try {
      const result = await build({
        stdin: { contents: `module.exports = require(${JSON.stringify(specifier)})`, resolveDir: root, sourcefile: `npm:${specifier}`, loader: 'js' },
        bundle: true,
        format: 'cjs',
        platform: 'neutral',
        mainFields: ['main', 'module'],
        conditions: ['require', 'default'],
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      })
      return result.outputFiles[0]!.text
    } catch (error) {
      const texts = ((error as BuildFailure).errors ?? []).map((each) => each.text)
      const builtin = texts.map((text) => /Could not resolve "([^"]+)"/.exec(text)?.[1]).find((name) => name && BUILTINS.has(name))
      if (builtin) throw new RuntimeError('MODULE_NOT_FOUND', `"${specifier}" needs the Node built-in "${builtin}", which an isolate does not have`)
      throw new RuntimeError('MODULE_NOT_FOUND', `"${specifier}" could not be bundled for the isolate: ${texts[0] ?? (error as Error).message}`, { cause: error })
    }
  }

  return (functionName, specifier) => {
    if (BUILTINS.has(specifier)) {
      return Promise.reject(new RuntimeError('MODULE_NOT_FOUND', `${functionName} imports the Node built-in "${specifier}", which an isolate does not have`))
    }
    if (!allowed.has(specifier)) {
      return Promise.reject(
        new RuntimeError('MODULE_NOT_FOUND', `${functionName} imports "${specifier}", which is not in isolateSandbox({ modules: [...] }): add it there to bundle it for the isolate`),
      )
    }
    let pending = bundles.get(specifier)
    if (!pending) {
      pending = bundle(specifier)
      bundles.set(specifier, pending)
      pending.catch(() => bundles.delete(specifier))
    }
    return pending
  }
}
