// Module hooks for register-ts.mjs: workspace package names resolve to their sources, `./x.js` finds `./x.ts`, and
// `.ts` files are transpiled (types stripped) with esbuild, taken from tsup (a dev dependency) to need nothing new.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
const { transform } = createRequire(require.resolve('tsup'))('esbuild')

let aliases = new Map()

export function initialize(data) {
  aliases = new Map(data.map(([specifier, file]) => [specifier, pathToFileURL(file).href]))
}

export async function resolve(specifier, context, next) {
  const aliased = aliases.get(specifier)
  if (aliased) return { url: aliased, shortCircuit: true }
  try {
    return await next(specifier, context)
  } catch (error) {
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) return next(`${specifier.slice(0, -3)}.ts`, context)
    throw error
  }
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context)
  const fileName = fileURLToPath(url)
  const output = await transform(await readFile(fileName, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: fileName, sourcemap: 'inline' })
  return { format: 'module', source: output.code, shortCircuit: true }
}
