// Shared vitest settings. Tests import workspace packages by their public names; the aliases below point those names at
// each package's source so a test run needs no prior build (CI builds and checks the dist separately).
import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig } from 'vitest/config'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** Public entry points of the workspace packages: [import specifier, source file relative to the repo root]. */
export const workspaceEntries = [
  ['@scraping-run/cloud/protocol', 'packages/cloud-sdk/src/protocol.ts'],
  ['@scraping-run/cloud/client', 'packages/cloud-sdk/src/client.ts'],
  ['@scraping-run/cloud/http', 'packages/cloud-sdk/src/http.ts'],
  ['@scraping-run/cloud', 'packages/cloud-sdk/src/index.ts'],
  ['@scraping-run/storage', 'packages/storage/src/index.ts'],
  ['@scraping-run/db-proxy/express', 'packages/db-proxy/src/express.ts'],
  ['@scraping-run/db-proxy', 'packages/db-proxy/src/index.ts'],
  ['@scraping-run/runtime-core/express', 'packages/runtime-core/src/express.ts'],
  ['@scraping-run/runtime-core', 'packages/runtime-core/src/index.ts'],
  ['@scraping-run/mcp-adapter', 'packages/mcp-adapter/src/index.ts'],
  ['@scraping-run/console', 'packages/console/src/index.ts'],
  ['@scraping-run/mongo-embedded', 'packages/mongo-embedded/src/index.ts'],
  ['@scraping-run/test-utils', 'common/test-utils/src/index.ts'],
]

export const repoRoot = root

/**
 * @param {import('vitest/config').UserConfig} [overrides]
 */
export function defineProjectConfig(overrides = {}) {
  return mergeConfig(
    defineConfig({
      resolve: {
        alias: workspaceEntries.map(([name, file]) => ({
          find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`),
          replacement: root + file,
        })),
      },
      test: {
        include: ['test/**/*.test.ts'],
        testTimeout: 20_000,
        hookTimeout: 60_000,
        // Two cores on CI: keep worker count modest so servers started by tests are not starved.
        maxWorkers: 2,
      },
    }),
    overrides,
  )
}
