import { isolateSandbox, isolateUnavailableReason, vmSandbox, type Sandbox } from '@scraping-run/runtime-core'
import { EXPRESS_VERSIONS } from './helpers.js'

const isolateReason = await isolateUnavailableReason()
if (isolateReason) console.warn(`[tests] isolate sandbox cases skipped: ${isolateReason}`)

/** Every sandbox a streaming or Lambda-style function must work in (the isolate when isolated-vm can run here). */
export const SANDBOXES: Array<[string, () => Sandbox]> = [
  ['vmSandbox', () => vmSandbox()],
  ['vmSandbox({hostObjects: false})', () => vmSandbox({ hostObjects: false })],
  ...(isolateReason ? [] : [['isolateSandbox', () => isolateSandbox({ warmIsolates: 1 })] as [string, () => Sandbox]]),
]

/** Each sandbox on each Express major. */
export const MATRIX = SANDBOXES.flatMap(([sandbox, create]) => EXPRESS_VERSIONS.map(([express, factory]) => [`${sandbox} on ${express}`, create, factory] as const))
