#!/usr/bin/env node
// scraping-run-mongo [--port 27017] [--host 127.0.0.1] [--db-path DIR]: runs the embedded server until Ctrl-C / SIGTERM.
import { runCli } from './cli-run.js'

runCli(process.argv.slice(2), { log: (line) => console.log(line), error: (line) => console.error(line) }).then(
  (result) => {
    if (typeof result === 'number') process.exit(result)
    const stop = () => void result.stop().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
