import { RuntimeError } from './errors.js'

/** Imports an optional peer dependency on first use; a missing one fails with `MISSING_PEER` naming it. */
export async function importPeer<T>(name: string, feature: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('MISSING_PEER', `${feature} needs the "${name}" package: npm install ${name}`, { cause: error })
    }
    throw error
  }
}
