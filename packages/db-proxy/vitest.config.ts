import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig({
  // One MongoDB (embedded, or MONGODB_URL) for the whole run; each test file uses its own database.
  test: { globalSetup: ['../../common/test-utils/src/mongo-global-setup.ts'] },
})
