// Builds the console page into dist/app with esbuild: one minified ES module (CodeMirror included), the CSS and the HTML.
// Nothing is loaded from a CDN at run time.
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('../', import.meta.url))
const out = `${root}dist/app/`
await mkdir(out, { recursive: true })
const result = await build({
  entryPoints: [`${root}app/src/main.ts`],
  outfile: `${out}app.js`,
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
})
await copyFile(`${root}app/index.html`, `${out}index.html`)
await copyFile(`${root}app/app.css`, `${out}app.css`)
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
console.log(`console page: dist/app/app.js ${(bytes / 1024).toFixed(1)} KiB (minified)`)
