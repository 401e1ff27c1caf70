import { defineProjectConfig } from '@scraping-run/vitest-config'

export default defineProjectConfig()
