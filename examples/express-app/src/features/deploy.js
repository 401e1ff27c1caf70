// Deploying from MongoDB: the functions folder is put and published to the `dev` environment at start-up, and each of
// dev, staging and prod is served from MongoDB (mongoStore, hot-reloaded by a change stream) at /<environment>/fn. The
// admin API at /admin (and the scraping-run CLI over it) publishes, promotes, shows history and rolls back.
// The admin JWT and the secret key are fixed development values, printed so the lines below work as they are.
import { fileURLToPath } from 'node:url'
import { getToken } from '@scraping-run/cloud'
import { adminRouter, consoleSink, createAdminApi, createExecutor, directoryStore, envRegistry, functionRegistry, isolateSandbox, isolateUnavailableReason, mongoEnv, mongoSink, mongoStore, redactingSink, vmSandbox } from '@scraping-run/runtime-core'
import { functionsMiddleware } from '@scraping-run/runtime-core/express'

export const ENVIRONMENTS = ['dev', 'staging', 'prod']
// 32 bytes of hex: development only. Set SECRET_KEY in anything real.
export const DEV_SECRET_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'
const FUNCTIONS_DIR = fileURLToPath(new URL('../../functions/', import.meta.url))
const CLI = fileURLToPath(new URL('../../../../packages/runtime-core/bin/scraping-run.js', import.meta.url))

/** @param {import('../app.js').Demo} demo */
export async function deployFeature(demo) {
  const mongo = demo.services.mongo
  if (!mongo) return
  const jwtSecret = (demo.services.jwtSecret ??= process.env.JWT_SECRET ?? 'scraping-run-demo-secret')
  const secretKey = process.env.SECRET_KEY ?? DEV_SECRET_KEY
  const registry = functionRegistry({ db: mongo.db, pipeline: ENVIRONMENTS })
  await deployFolder(registry, demo.options.functionsDir ?? FUNCTIONS_DIR)

  // Deployed functions run isolated too when isolated-vm can run here (see the SANDBOX line at start-up).
  const isolated = (await isolateUnavailableReason()) === null
  // Each environment's executor and invocation logs (one MongoDB collection per environment), for the console.
  const environments = {}
  for (const environment of ENVIRONMENTS) {
    const live = mongoEnv({ db: mongo.db, environment, secretKey, defaults: { DEMO_BUCKET: demo.services.bucketName ?? 'demo-files' } })
    const store = mongoStore({ db: mongo.db, environment })
    const logs = mongoSink({ db: mongo.db, collection: `__logs__.${environment}`, ttlDays: 7, flushMs: 200 })
    const executor = createExecutor({
      store,
      sandbox: isolated ? isolateSandbox() : vmSandbox(),
      jwtSecret,
      appid: 'demo',
      timeoutMs: 10_000,
      mongo: { client: mongo.client, db: mongo.db },
      ...(demo.services.storage ? { storage: demo.services.storage } : {}),
      env: live.env,
      logSink: [redactingSink(consoleSink(), () => live.secretValues()), redactingSink(logs, () => live.secretValues())],
    })
    environments[environment] = { executor, logs }
    demo.onClose(async () => {
      await executor.close()
      await logs.close()
      await store.close()
      await live.close()
    })
    await Promise.all([store.ready(), live.ready()])
    demo.app.use(`/${environment}/fn`, functionsMiddleware(executor, { cors: true }))
  }

  const env = envRegistry({ db: mongo.db, secretKey })
  demo.services.deploy = { registry, env, environments }
  const admin = createAdminApi({ registry, env, jwtSecret })
  demo.app.use('/admin', adminRouter(admin))
  const adminToken = getToken({ type: 'admin', sub: 'demo-admin' }, { secret: jwtSecret, expiresIn: '30d' })
  demo.services.adminToken = adminToken
  routes(demo, adminToken)
}

/** Puts every function of the folder and publishes to dev the ones whose content changed (a restart adds no version). */
async function deployFolder(registry, dir) {
  for (const { name, hash: _hash, ...draft } of await directoryStore(dir, { watch: false }).list()) {
    const info = await registry.put(name, draft, { by: 'demo start-up' })
    const live = await registry.get(name, { environment: 'dev' })
    if (live?.hash !== info.hash) await registry.publish(name, { environment: 'dev', by: 'demo start-up' })
  }
}

function routes(demo, adminToken) {
  const user = demo.services.sampleToken ?? getToken({ uid: 'demo-user' }, { secret: demo.services.jwtSecret, expiresIn: '30d' })
  const cli = `node ${CLI}`
  const target = `--url $BASE/admin --token ${adminToken}`
  const admin = `-H 'authorization: Bearer ${adminToken}' -H 'content-type: application/json'`
  demo.routes.push(
    { method: 'ADMIN', path: '', what: `admin token (type "admin", sub demo-admin), valid 30 days: ${adminToken}` },
    { method: 'POST', path: '/dev/fn/hello', what: 'hello, deployed to dev from MongoDB', try: `curl -s -X POST $BASE/dev/fn/hello -H 'authorization: Bearer ${user}' -H 'content-type: application/json' -d '{"name":"Ada"}'` },
    { method: 'PUT', path: '/admin/functions/hello', what: 'put a new draft, then publish it to dev', try: `curl -s -X PUT $BASE/admin/functions/hello ${admin} -d '{"source":"export default () => ({ message: \\"v2\\" })"}' && curl -s -X POST $BASE/admin/functions/hello:publish ${admin} -d '{"environment":"dev"}'` },
    { method: 'CLI', path: '', what: 'promote dev → staging', try: `${cli} promote hello --from dev --to staging ${target}` },
    { method: 'CLI', path: '', what: 'history of hello in dev', try: `${cli} history hello --env dev ${target}` },
    { method: 'CLI', path: '', what: 'roll dev back to version 1', try: `${cli} rollback hello --env dev --version 1 ${target}` },
    { method: 'CLI', path: '', what: 'deploy the whole folder to dev', try: `${cli} deploy ${FUNCTIONS_DIR} --env dev ${target}` },
    { method: 'CLI', path: '', what: 'a secret for prod (never shown again, redacted from logs)', try: `${cli} env set API_KEY=sk_demo_123 --secret --env prod ${target}` },
  )
}

export default deployFeature
