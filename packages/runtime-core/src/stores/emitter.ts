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
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
    clear(): void {
      listeners.clear()
    },
  }
}
