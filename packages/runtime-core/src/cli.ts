// The `scraping-run` command (bin/scraping-run.js loads the built file).
import { runCli } from './deploy/cli.js'

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code
})
