import { defineConfig } from 'tsup'

export default defineConfig({
  // cli.ts is the `scraping-run` bin (bin/scraping-run.js loads dist/cli.js).
  entry: ['src/index.ts', 'src/express.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
