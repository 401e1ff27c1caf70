// The logic of the `scraping-run-mongo` command, apart from process handling so a test can drive it.
import { parseArgs } from 'node:util'
import { MongoEmbeddedError } from './errors.js'
import { type MongoEmbedded, startMongoEmbedded } from './server.js'

export const USAGE = 'usage: scraping-run-mongo [--port 27017] [--host 127.0.0.1] [--db-path DIR]'

export interface CliIo {
  log(line: string): void
  error(line: string): void
}

/** Starts the server the arguments describe; returns it, or an exit code when there is nothing to run. */
export async function runCli(args: string[], io: CliIo): Promise<MongoEmbedded | number> {
  let values: { port?: string; host?: string; 'db-path'?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args,
      options: { port: { type: 'string' }, host: { type: 'string' }, 'db-path': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }))
  } catch (error) {
    io.error(`${(error as Error).message}\n${USAGE}`)
    return 2
  }
  if (values.help) {
    io.log(USAGE)
    return 0
  }
  const port = values.port === undefined ? 27017 : Number(values.port)
  try {
    const server = await startMongoEmbedded({ port, host: values.host, dbPath: values['db-path'] })
    io.log(`scraping-run-mongo listening: ${server.uri}${values['db-path'] ? ` (data in ${values['db-path']})` : ' (in memory)'}`)
    io.log('Not for production. Press Ctrl-C to stop.')
    return server
  } catch (error) {
    if (!MongoEmbeddedError.is(error)) throw error
    io.error(`scraping-run-mongo: ${error.message}`)
    return 1
  }
}
