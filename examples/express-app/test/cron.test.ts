// The demo's scheduled function: heartbeat.ts declares `meta.schedule`, the cron feature fires it through the executor
// (interceptor included), and each tick leaves one document in MongoDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveFeatures } from './helpers.js'
import { mongoFeature } from '../src/features/mongo.js'
import { functionsFeature } from '../src/features/functions.js'
import { cronFeature } from '../src/features/cron.js'

let served: Awaited<ReturnType<typeof serveFeatures>>
beforeAll(async () => {
  served = await serveFeatures([mongoFeature, functionsFeature, cronFeature], {})
}, 60_000)
afterAll(() => served?.close())

describe('cron feature', () => {
  it('schedules heartbeat from its meta, says so at start-up, and writes one document per tick', { timeout: 30_000 }, async () => {
    expect(served.routes.find((route) => route.method === 'CRON')?.what).toMatch(/^heartbeat on "\*\/5 \* \* \* \* \*"/)
    const beats = served.services.mongo.db.collection('heartbeats')
    const deadline = Date.now() + 15_000
    while ((await beats.countDocuments()) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250))
    const docs = await beats.find({}).sort({ at: 1 }).toArray()
    expect(docs.length).toBeGreaterThanOrEqual(2)
    // Each tick once: no scheduledAt twice.
    expect(new Set(docs.map((doc: any) => doc.at)).size).toBe(docs.length)
    expect(docs[0]).toMatchObject({ name: 'heartbeat' })
  })
})
