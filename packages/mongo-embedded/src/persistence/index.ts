import type { Engine } from '../engine/workspace.js'

export interface Persistence {
  close(): Promise<void>
}

export async function openPersistence(_dir: string, _engine: Engine): Promise<Persistence> {
  return { close: async () => {} }
}
