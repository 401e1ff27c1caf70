import { callScope } from '../scope.js'

let holders = 0

/**
 * An exception nobody caught — an `'error'` event without a listener on a stream a function made, a throw in a stream
 * callback — would end the host process. One raised inside a function's async work is handed to that function's
 * invocation instead (it fails with FUNCTION_ERROR, or is logged if the call already ended). Anything else is left to
 * the host's own listeners, or, when there are none, ends the process as Node would.
 */
function onUncaughtException(error: unknown): void {
  const scope = callScope.getStore()
  if (scope) {
    try {
      scope.bridge.call(scope.invocationId, 'uncaught', [error])
      return
    } catch {
      // The executor is gone: treat it as the host's own error below.
    }
  }
  if (process.listenerCount('uncaughtException') > 1) return
  process.off('uncaughtException', onUncaughtException)
  process.nextTick(() => {
    throw error
  })
}

/** Installs the process-wide listener while at least one executor that wants it is open; returns the release. */
export function holdProcessGuard(): () => void {
  if (holders++ === 0) process.on('uncaughtException', onUncaughtException)
  let held = true
  return () => {
    if (!held) return
    held = false
    if (--holders === 0) process.off('uncaughtException', onUncaughtException)
  }
}
