import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig({
  test: { globalSetup: ['./test/global-setup.ts'] },
})
