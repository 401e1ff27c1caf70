// The database service: an embedded MongoDB (pure JS, wire-compatible) on a free port, so the demo needs no install.
// With `dataDir`, its data persists under `<dataDir>/mongo` across restarts.
import { join } from 'node:path'
import { startMongoEmbedded } from '@scraping-run/mongo-embedded'
import { MongoClient } from 'mongodb'

/** @param {import('../app.js').Demo} demo */
export async function mongoFeature(demo) {
  const dataDir = demo.options.dataDir
  const server = await startMongoEmbedded({ port: 0, dbPath: dataDir ? join(dataDir, 'mongo') : undefined })
  demo.onClose(() => server.stop())
  const client = new MongoClient(server.uri)
  await client.connect()
  demo.onClose(() => client.close())
  demo.services.mongo = { uri: server.uri, client, db: client.db('scraping_run_demo') }
  demo.routes.push({ method: 'MONGO', path: '', what: `embedded MongoDB for the demo: ${server.uri}` })
}

export default mongoFeature
