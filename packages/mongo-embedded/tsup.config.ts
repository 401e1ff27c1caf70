import { defineConfig } from 'tsup'

export default defineConfig({
  // cli.ts keeps its #! line; it is the package's `bin`.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
