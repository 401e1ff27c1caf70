import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig({
  test: {
    // One s3rver for the whole run; each test file works in buckets of its own.
    globalSetup: ['./test/global-setup.ts'],
  },
})
