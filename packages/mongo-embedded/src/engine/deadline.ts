// `maxTimeMS`: a deadline on the monotonic clock, checked while an operation works through documents.
import type { Document } from 'bson'
import { CommandError } from './errors.js'
import { toNumber } from './values.js'

export function maxTimeExpired(): CommandError {
  return new CommandError(50, 'MaxTimeMSExpired', 'operation exceeded time limit')
}

/** The deadline a command's `maxTimeMS` sets (none for 0 or absent, as in MongoDB); 2 BadValue when it is invalid. */
export function deadlineOf(command: Document, start = performance.now()): number | undefined {
  if (command.maxTimeMS === undefined || command.maxTimeMS === null) return undefined
  const ms = toNumber(command.maxTimeMS)
  if (ms === undefined || !Number.isInteger(ms) || ms < 0 || ms > 2 ** 31 - 1) {
    throw new CommandError(2, 'BadValue', `${JSON.stringify(String(command.maxTimeMS))} is not a valid value for maxTimeMS`)
  }
  return ms === 0 ? undefined : start + ms
}

export function checkDeadline(deadline: number | undefined): void {
  if (deadline !== undefined && performance.now() > deadline) throw maxTimeExpired()
}
