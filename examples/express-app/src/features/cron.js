// Scheduled functions: a function that exports `meta.schedule` (functions/heartbeat.ts) runs on it. The lease lives in the
// demo's MongoDB, so if you start the demo twice on the same database each tick still runs once.
import { createScheduler, mongoLease } from '@scraping-run/runtime-core'

/** @param {import('../app.js').Demo} demo */
export async function cronFeature(demo) {
  const { executor, mongo } = demo.services
  if (!executor || !mongo) return
  const scheduler = createScheduler({ executor, lease: mongoLease({ db: mongo.db }) })
  await scheduler.start()
  // Closers run in reverse: the scheduler stops (waiting for its runs) before the executor closes.
  demo.onClose(() => scheduler.stop())
  demo.services.scheduler = scheduler
  for (const entry of scheduler.list()) {
    demo.routes.push({ method: 'CRON', path: '', what: `${entry.name} on "${entry.schedule}" (functions/${entry.name}.ts): one MongoDB document per tick in "heartbeats"` })
  }
}

export default cronFeature
