import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  // The page is built into dist/app by scripts/build-app.mjs afterwards; tsup must not wipe it on a rebuild of the server only.
  clean: ['dist/*.js', 'dist/*.cjs', 'dist/*.d.ts', 'dist/*.d.cts', 'dist/*.map'],
  target: 'node20',
  // import.meta.url in the CommonJS build (the router finds its page beside itself).
  shims: true,
})
