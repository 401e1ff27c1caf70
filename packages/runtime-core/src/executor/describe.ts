import { toInvokeError } from '../errors.js'
import type { SandboxBridge } from '../sandbox/protocol.js'
import type { FunctionInfo, FunctionRecord, FunctionStore } from '../types.js'
import type { FunctionCache } from './cache.js'

/**
 * Records plus what the sandbox reported when it loaded each module (entry shape, exported `meta`). Loading happens in
 * the sandbox, the same load a first call would do; a module that fails to load carries `error` instead.
 */
export async function describeFunctions(store: FunctionStore, cache: FunctionCache, bridge: SandboxBridge, name?: string): Promise<FunctionInfo[]> {
  let records: FunctionRecord[]
  if (name === undefined) records = await store.list()
  else {
    const record = await store.get(name)
    records = record ? [record] : []
  }
  return Promise.all(records.map((record) => describeOne(record, cache, bridge)))
}

async function describeOne(record: FunctionRecord, cache: FunctionCache, bridge: SandboxBridge): Promise<FunctionInfo> {
  const info: FunctionInfo = { ...record }
  try {
    const { handle } = await cache.handle(record.name, bridge)
    info.entry = handle.entry
    if (handle.meta !== undefined) info.meta = handle.meta
  } catch (error) {
    const { code, message } = toInvokeError(error)
    info.error = { code, message }
  }
  return info
}
