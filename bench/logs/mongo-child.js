// The embedded MongoDB in its own process (as a real mongod would be), so the bench process's CPU is the server's alone.
import { pathToFileURL } from 'node:url'

const [dist] = process.argv.slice(2)
const { startMongoEmbedded } = await import(pathToFileURL(dist).href)
const server = await startMongoEmbedded()
process.stdout.write(`${server.uri}\n`)
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)))
