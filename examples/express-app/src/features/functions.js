// The functions runtime: every file in examples/express-app/functions is a cloud function at /fn/<name>, hot-reloaded on
// save. Functions reach the demo's MongoDB (cloud.mongo) and S3 (cloud.storage) when those features started them.
// The JWT secret is a fixed development value, printed with a sample token so the curl lines below work as they are.
import { fileURLToPath } from 'node:url'
import { getToken } from '@scraping-run/cloud'
import { consoleSink, createExecutor, createLogsHandler, directoryStore, isolateSandbox, isolateUnavailableReason, mongoSink, vmSandbox } from '@scraping-run/runtime-core'
import { functionsMiddleware } from '@scraping-run/runtime-core/express'

export const DEV_JWT_SECRET = 'scraping-run-demo-secret'
const FUNCTIONS_DIR = fileURLToPath(new URL('../../functions/', import.meta.url))

/** @param {import('../app.js').Demo} demo */
export async function functionsFeature(demo) {
  const jwtSecret = (demo.services.jwtSecret ??= process.env.JWT_SECRET ?? DEV_JWT_SECRET)
  const mongo = demo.services.mongo
  // Functions run isolated when isolated-vm can run here; vmSandbox is for trusted code only.
  const unavailable = await isolateUnavailableReason()
  const logs = mongo ? mongoSink({ db: mongo.db, ttlDays: 7, flushMs: 200 }) : undefined
  const sandbox = unavailable ? vmSandbox() : isolateSandbox()
  demo.services.sandboxKind = sandbox.kind
  const executor = createExecutor({
    sandbox,
    store: directoryStore(demo.options.functionsDir ?? FUNCTIONS_DIR),
    jwtSecret,
    appid: 'demo',
    timeoutMs: 10_000,
    ...(mongo ? { mongo: { client: mongo.client, db: mongo.db } } : {}),
    ...(demo.services.storage ? { storage: demo.services.storage } : {}),
    env: { DEMO_BUCKET: demo.services.bucketName ?? 'demo-files' },
    // Function logs on the demo's stdout, tagged with the function's name, and one record per invocation in MongoDB.
    logSink: logs ? [consoleSink(), logs] : consoleSink(),
  })
  demo.onClose(() => executor.close())
  demo.services.executor = executor
  // The functions' OpenAPI 3.1 document at /fn/_/openapi.json (the __interceptor__ makes it want a token too).
  demo.app.use('/fn', functionsMiddleware(executor, { cors: true, openapi: { title: 'scraping-run demo', version: '1.0.0' } }))
  // One request's logs by its request id (x-request-id of any /fn answer), for admin tokens only.
  if (logs) demo.app.use('/logs', createLogsHandler({ sink: logs, executor }))

  const token = getToken({ uid: 'demo-user' }, { secret: jwtSecret, expiresIn: '30d' })
  const trigger = getToken({ type: 'trigger' }, { secret: jwtSecret, expiresIn: '30d' })
  demo.services.sampleToken = token
  const auth = `-H 'authorization: Bearer ${token}'`
  const json = `-H 'content-type: application/json'`
  demo.routes.push(
    {
      method: 'SANDBOX',
      path: '',
      what: unavailable
        ? `vmSandbox — trusted code only (not a security boundary): ${unavailable}`
        : 'isolateSandbox (isolated-vm): functions cannot reach this process',
    },
    {
      method: 'JWT',
      path: '',
      what: `dev secret "${jwtSecret}" (set JWT_SECRET to change it); sample token for uid demo-user, valid 30 days: ${token}`,
    },
    { method: 'POST', path: '/fn/hello', what: 'a function (functions/hello.ts)', try: `curl -s -X POST $BASE/fn/hello ${auth} ${json} -d '{"name":"Ada"}'` },
    ...(logs
      ? [
          {
            method: 'GET',
            path: '/logs/<request id>',
            what: "one invocation's record from MongoDB (admin token; the id is any /fn answer's x-request-id)",
            try: `curl -s -X POST $BASE/fn/hello ${auth} -H 'x-request-id: demo-1' >/dev/null && sleep 1 && curl -s $BASE/logs/demo-1 -H 'authorization: Bearer ${getToken({ type: 'admin', sub: 'demo-admin' }, { secret: jwtSecret, expiresIn: '30d' })}'`,
          },
        ]
      : []),
    { method: 'POST', path: '/fn/hello', what: 'without a token the __interceptor__ answers 401', try: `curl -s -i -X POST $BASE/fn/hello` },
    { method: 'GET', path: '/fn/_/openapi.json', what: 'an OpenAPI 3.1 document of the functions, live', try: `curl -s $BASE/fn/_/openapi.json ${auth}` },
    {
      method: 'POST',
      path: '/fn/hello',
      what: 'a cron trigger token passes the interceptor without a user',
      try: `curl -s -X POST $BASE/fn/hello -H 'x-scraping-run-trigger-token: ${trigger}'`,
    },
    { method: 'POST', path: '/fn/echo', what: 'validates its input (try a bad one: 400)', try: `curl -s -X POST $BASE/fn/echo ${auth} ${json} -d '{"message":"hi","repeat":3}'` },
    { method: 'POST', path: '/fn/chain', what: 'calls hello and echo with cloud.invoke', try: `curl -s -X POST $BASE/fn/chain ${auth} ${json} -d '{"name":"Grace"}'` },
    { method: 'GET', path: '/fn/visits', what: 'counts visits in MongoDB (cloud.mongo)', try: `curl -s "$BASE/fn/visits?page=home" ${auth}` },
    {
      method: 'POST',
      path: '/fn/files',
      what: 'writes a note to S3 (cloud.storage); GET lists, GET ?name= reads',
      try: `curl -s -X POST $BASE/fn/files ${auth} ${json} -d '{"name":"todo.txt","text":"buy milk"}' && curl -s "$BASE/fn/files?name=todo.txt" ${auth}`,
    },
  )
}

export default functionsFeature
