// One host of bench/deploy: serves the `environment`'s functions from MongoDB over node:http and prints its port.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const packageDir = fileURLToPath(new URL('../../packages/runtime-core/', import.meta.url))
const require = createRequire(`${packageDir}package.json`)
const { MongoClient } = require('mongodb')
const { createExecutor, createHttpHandler, mongoStore } = await import(pathToFileURL(`${packageDir}dist/index.js`).href)

const [uri, dbName, environment = 'dev'] = process.argv.slice(2)
const client = new MongoClient(uri)
const store = mongoStore({ db: client.db(dbName), environment })
const executor = createExecutor({ store })
await store.ready()
const server = createServer(createHttpHandler(executor))
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('SIGTERM', async () => {
  server.closeAllConnections()
  server.close()
  await executor.close()
  await client.close()
  process.exit(0)
})
