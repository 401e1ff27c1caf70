// The demo server: `PORT` (default 3000) on 127.0.0.1. Ctrl-C or SIGTERM stops it cleanly.
import { createDemoApp } from './app.js'

const port = Number(process.env.PORT ?? 3000)
const host = '127.0.0.1'

const demo = await createDemoApp()
const server = demo.app.listen(port, host, () => {
  const base = `http://${host}:${server.address().port}`
  console.log(`scraping-run demo listening on ${base}`)
  for (const route of demo.routes) {
    console.log(`  ${route.method.padEnd(6)} ${base}${route.path}  — ${route.what}`)
    if (route.try) console.log(`         try: ${route.try.replaceAll("$BASE", base)}`)
  }
  console.log('Press Ctrl-C to stop.')
})
// Features that need the HTTP server itself (the WebSocket chat) attach to it now.
demo.attach(server)
server.on('error', (error) => {
  console.error(`demo: cannot listen on ${host}:${port}: ${error.message}. Set PORT to a free port.`)
  process.exit(1)
})

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping…`)
  server.closeAllConnections?.()
  const closed = new Promise((resolve) => server.close(resolve))
  // Before waiting for the server: it waits for upgraded (WebSocket) connections too, which demo.close() ends.
  await demo.close()
  await closed
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))
