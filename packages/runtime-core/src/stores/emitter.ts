import type { FunctionStoreEvent, FunctionStoreListener } from '../types.js'

/** Listener set shared by the stores; a throwing listener does not stop the others. */
export function createListeners() {
  const listeners = new Set<FunctionStoreListener>()
  return {
    add(listener: FunctionStoreListener): () => void {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    emit(event: FunctionStoreEvent): void {
      for (const listener of [...listeners]) {
        try {
          listener(event)
        } catch (error) {
          // A listener's bug must not stop the other listeners, nor take the host down.
          console.error('[scraping-run] a function store listener threw:', error)
        }
      }
    },
    clear(): void {
      listeners.clear()
    },
  }
}
