import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig({
  // isolated-vm 5 on Node 20 needs the startup snapshot off in the processes that run the tests.
  test: { globalSetup: ['./test/global-setup.ts'], execArgv: ['--no-node-snapshot'] },
})
