// Lets a spawned `node` run the TypeScript sources (the bin and the workspace packages it imports) without a build, as
// vitest does in-process: `node --import ./test/support/register-ts.mjs src/bin.ts …`. The workspace aliases come from
// the SCRAPING_RUN_TS_ALIASES environment variable (JSON: [[specifier, absolute file], …]) set by the test.
import { register } from 'node:module'

register('./ts-hooks.mjs', import.meta.url, { data: JSON.parse(process.env.SCRAPING_RUN_TS_ALIASES ?? '[]') })
