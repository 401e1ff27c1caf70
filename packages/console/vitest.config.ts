import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig({
  // One MongoDB (embedded, or MONGODB_URL) for the whole run; the browser test also runs the demo's isolate sandbox.
  test: { globalSetup: ['../../common/test-utils/src/mongo-global-setup.ts'], execArgv: ['--no-node-snapshot'], testTimeout: 60_000 },
})
