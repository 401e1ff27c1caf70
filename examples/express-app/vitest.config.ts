import { defineProjectConfig } from '@scraping-run/vitest-config'

// The demo runs its functions in isolateSandbox, which needs the startup snapshot off on Node 20.
export default defineProjectConfig({ test: { execArgv: ['--no-node-snapshot'] } })
