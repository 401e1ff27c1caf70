import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig({
  // isolated-vm 5 on Node 20 needs the startup snapshot off (the isolate-sandbox notification test).
  test: { execArgv: ['--no-node-snapshot'] },
})
