// WebSocket functions (attachWebSocket) with real `ws` clients against a real server on port 0, in both sandboxes.
import { isolateSandbox, isolateUnavailableReason, vmSandbox } from '@scraping-run/runtime-core'
import { describe } from 'vitest'
import { websocketSuite } from './websocket-suite.js'

websocketSuite('vmSandbox', () => vmSandbox())

const unavailable = await isolateUnavailableReason()
describe.skipIf(unavailable !== null)(`isolate sandbox${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  websocketSuite('isolateSandbox', () => isolateSandbox({ warmIsolates: 1 }))
})
