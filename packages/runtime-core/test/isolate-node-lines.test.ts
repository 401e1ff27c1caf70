import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { isolateUnavailableReason } from '@scraping-run/runtime-core'
import { isolatedVmMajorFor } from '../src/sandbox/isolate/index.js'

const nodeMajor = Number(process.versions.node.split('.')[0])
const savedArgv = process.execArgv
const savedOptions = process.env.NODE_OPTIONS

afterEach(() => {
  process.execArgv = savedArgv
  if (savedOptions === undefined) delete process.env.NODE_OPTIONS
  else process.env.NODE_OPTIONS = savedOptions
})

describe(`isolated-vm on the Node line this suite runs on (Node ${nodeMajor})`, () => {
  it('names the isolated-vm major each supported Node line needs', () => {
    expect([20, 22, 24, 26].map(isolatedVmMajorFor)).toEqual([5, 6, 7, 7])
  })

  it('is tested with the isolated-vm major this Node line needs (the support table in the README is what CI runs)', () => {
    const installed = createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }
    expect(Number(installed.version.split('.')[0])).toBe(isolatedVmMajorFor(nodeMajor))
  })

  it('works in a process started with --no-node-snapshot', async () => {
    expect(process.execArgv).toContain('--no-node-snapshot')
    await expect(isolateUnavailableReason()).resolves.toBeNull()
  })

  it('without --no-node-snapshot, refuses on every Node line and names the flag (a snapshot-built isolate can crash the host)', async () => {
    process.execArgv = savedArgv.filter((flag) => flag !== '--no-node-snapshot')
    delete process.env.NODE_OPTIONS
    const reason = await isolateUnavailableReason()
    expect(reason).toContain(`on Node ${nodeMajor} needs the --no-node-snapshot flag`)
    expect(reason).toContain('NODE_OPTIONS=--no-node-snapshot')
  })

  it('accepts the flag from NODE_OPTIONS too', async () => {
    process.execArgv = savedArgv.filter((flag) => flag !== '--no-node-snapshot')
    process.env.NODE_OPTIONS = '--max-old-space-size=4096 --no-node-snapshot'
    await expect(isolateUnavailableReason()).resolves.toBeNull()
  })
})
