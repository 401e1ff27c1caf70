// The LAF profile: the demo's functions and a todo policy served as a migrated LAF app expects them, under /laf —
// functions at /laf/<name> and the database proxy at /laf/proxy/:policy, so laf-client-sdk works with
// `new Cloud({baseUrl: BASE + '/laf', dbProxyUrl: '/proxy/app', getAccessToken})`. One `laf: true` per part.
import { fileURLToPath } from 'node:url'
import { createDbProxy } from '@scraping-run/db-proxy'
import { dbProxyRouter } from '@scraping-run/db-proxy/express'
import { createExecutor, directoryStore, isolateSandbox, isolateUnavailableReason, vmSandbox } from '@scraping-run/runtime-core'
import { functionsMiddleware } from '@scraping-run/runtime-core/express'

const FUNCTIONS_DIR = fileURLToPath(new URL('../../functions/', import.meta.url))

/** LAF-style rules: the user's fields at top level (`uid`), `===` accepted. */
export const lafPolicy = {
  todos: {
    read: true,
    count: true,
    add: { condition: 'uid === data.owner' },
    update: 'uid === query.owner',
    remove: 'uid === query.owner',
  },
}

/** @param {import('../app.js').Demo} demo */
export async function lafFeature(demo) {
  const mongo = demo.services.mongo
  if (!mongo) {
    console.log('demo: no MongoDB service, so the LAF profile (/laf) is skipped')
    return
  }
  const jwtSecret = (demo.services.jwtSecret ??= process.env.JWT_SECRET ?? 'scraping-run-demo-secret')
  const sandbox = (await isolateUnavailableReason()) ? vmSandbox() : isolateSandbox()
  const executor = createExecutor({
    sandbox,
    store: directoryStore(demo.options.functionsDir ?? FUNCTIONS_DIR),
    jwtSecret,
    appid: 'demo',
    timeoutMs: 10_000,
    mongo: { client: mongo.client, db: mongo.db },
    env: { DEMO_BUCKET: demo.services.bucketName ?? 'demo-files' },
    laf: true,
  })
  demo.onClose(() => executor.close())
  demo.services.lafExecutor = executor
  demo.app.use('/laf/proxy', dbProxyRouter(createDbProxy({ db: mongo.db, policies: { app: lafPolicy }, laf: true }), { jwtSecret }))
  demo.app.use('/laf', functionsMiddleware(executor, { laf: true, cors: true }))
  demo.routes.push(
    { method: 'POST', path: '/laf/<name>', what: 'the functions with the LAF profile (laf-client-sdk: cloud.invoke)', try: `curl -s -X POST $BASE/laf/hello -H 'authorization: Bearer ${demo.services.sampleToken ?? '<token>'}'` },
    { method: 'POST', path: '/laf/proxy/app', what: 'the database proxy with the LAF profile (laf-client-sdk: cloud.database(); hex-string _ids)' },
  )
}

export default lafFeature
