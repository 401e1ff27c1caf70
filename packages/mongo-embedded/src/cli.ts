#!/usr/bin/env node
// scraping-run-mongo [--port 27017] [--host 127.0.0.1] [--db-path DIR]: runs the embedded server until Ctrl-C.
import { parseArgs } from 'node:util'
import { MongoEmbeddedError } from './errors.js'
import { startMongoEmbedded } from './server.js'

const usage = 'usage: scraping-run-mongo [--port 27017] [--host 127.0.0.1] [--db-path DIR]'

async function main() {
  let values: { port?: string; host?: string; 'db-path'?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      options: { port: { type: 'string' }, host: { type: 'string' }, 'db-path': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }))
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`)
    return 2
  }
  if (values.help) {
    console.log(usage)
    return 0
  }
  const port = values.port === undefined ? 27017 : Number(values.port)
  let server
  try {
    server = await startMongoEmbedded({ port, host: values.host, dbPath: values['db-path'] })
  } catch (error) {
    if (MongoEmbeddedError.is(error)) {
      console.error(`scraping-run-mongo: ${error.message}`)
      return 1
    }
    throw error
  }
  const running = server
  console.log(`scraping-run-mongo listening: ${running.uri}${values['db-path'] ? ` (data in ${values['db-path']})` : ' (in memory)'}`)
  console.log('Not for production. Press Ctrl-C to stop.')
  const stop = async () => {
    await running.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
  return undefined
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
