import { defineProjectConfig } from '@scraping-run/vitest-config'

// The isolate case needs the startup snapshot off on Node 20.
export default defineProjectConfig({ test: { execArgv: ['--no-node-snapshot'] } })
