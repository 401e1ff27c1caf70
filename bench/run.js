// Runs every benchmark under bench/ (each a folder with an index.js) one after another, or those named on the command line.
import { readdirSync, existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const wanted = process.argv.slice(2)
const suites = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${here}${entry.name}/index.js`))
  .map((entry) => entry.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))

if (suites.length === 0) console.log('No benchmarks yet: each lands with its issue (see bench/README.md).')
let failed = false
for (const name of suites) {
  console.log(`\n## bench/${name}`)
  // isolated-vm 5 on Node 20 needs the startup snapshot off (bench/invoke measures the isolate sandbox).
  const result = spawnSync(process.execPath, ['--no-node-snapshot', `${here}${name}/index.js`], { stdio: 'inherit' })
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
