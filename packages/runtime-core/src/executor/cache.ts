import { compileFunction } from '../compiler.js'
import { RuntimeError } from '../errors.js'
import { assertFunctionName, hashRecord } from '../names.js'
import type { Sandbox, SandboxBridge, SandboxModule } from '../sandbox/protocol.js'
import type { SourceMaps } from '../sourcemap.js'
import type { FunctionLanguage, FunctionRecord, FunctionStore, LoadUnit } from '../types.js'


/**
 * Records, compiled units and loaded handles by function name. A store change evicts exactly that function and every
 * function that imports it (directly or not); nothing else is touched.
 */
export class FunctionCache {
  private readonly records = new Map<string, Promise<FunctionRecord | undefined>>()
  // Settled values of the maps above, so a warm call needs no await.
  private readonly knownRecords = new Map<string, FunctionRecord | undefined>()
  private readonly loadedHandles = new Map<string, SandboxModule>()
  private readonly units = new Map<string, Promise<LoadUnit>>()
  private readonly handles = new Map<string, Promise<SandboxModule>>()
  /** name → names it imports, known once compiled. */
  private readonly importsOf = new Map<string, string[]>()

  constructor(
    private readonly store: FunctionStore,
    private readonly sandbox: Sandbox,
    private readonly maps: SourceMaps,
  ) {}

  record(name: string): Promise<FunctionRecord | undefined> {
    let pending = this.records.get(name)
    if (!pending) {
      pending = this.store.get(name)
      this.remember(this.records, name, pending)
      pending.then((record) => {
        if (this.records.get(name) === pending) this.knownRecords.set(name, record)
      }, () => undefined)
    }
    return pending
  }

  /** The record, synchronously when it is already known (the hot path awaits nothing then). */
  recordFast(name: string): FunctionRecord | undefined | Promise<FunctionRecord | undefined> {
    if (this.knownRecords.has(name)) return this.knownRecords.get(name)
    return this.record(name)
  }

  /** A loaded handle, if there is one already. */
  peekHandle(name: string): SandboxModule | undefined {
    return this.loadedHandles.get(name)
  }

  /** The loaded function, and whether this call loaded it. */
  async handle(name: string, bridge: SandboxBridge): Promise<{ handle: SandboxModule; cold: boolean }> {
    const existing = this.handles.get(name)
    if (existing) return { handle: await existing, cold: false }
    const pending = this.unit(name, []).then((unit) => this.sandbox.load(unit, bridge))
    this.remember(this.handles, name, pending)
    pending.then((handle) => {
      if (this.handles.get(name) === pending) this.loadedHandles.set(name, handle)
    }, () => undefined)
    return { handle: await pending, cold: true }
  }

  /**
   * Loads source that is not stored (debug mode); its imports still come from the store. Not cached, and it leaves the
   * stored function's import graph alone. The source map it registers under the function's file name is handed back
   * through `restores` (the caller undoes it once the call's errors and logs are formatted).
   */
  async transient(
    name: string,
    source: string,
    language: FunctionLanguage | undefined,
    bridge: SandboxBridge,
    restores: Array<() => void>,
  ): Promise<SandboxModule> {
    const hash = `debug-${hashRecord({ source, language })}`
    const unit = await this.compileUnit({ name, source, language, hash }, [], restores)
    return this.sandbox.load(unit, bridge)
  }

  /** Evicts `names` and their importers; returns every evicted name. */
  evict(names: string[]): string[] {
    const evicted = new Set(names)
    let grew = true
    while (grew) {
      grew = false
      for (const [name, imports] of this.importsOf) {
        if (!evicted.has(name) && imports.some((target) => evicted.has(target))) {
          evicted.add(name)
          grew = true
        }
      }
    }
    for (const name of evicted) {
      this.records.delete(name)
      this.knownRecords.delete(name)
      this.loadedHandles.delete(name)
      this.units.delete(name)
      this.handles.delete(name)
      this.importsOf.delete(name)
    }
    this.sandbox.unload([...evicted])
    return [...evicted]
  }

  clear(): void {
    this.evict([...new Set([...this.records.keys(), ...this.units.keys(), ...this.handles.keys()])])
  }

  private unit(name: string, chain: string[]): Promise<LoadUnit> {
    let pending = this.units.get(name)
    if (!pending) {
      pending = this.record(name).then((record) => {
        if (!record) {
          const importer = chain[chain.length - 1]
          throw importer
            ? new RuntimeError('MODULE_NOT_FOUND', `${importer} imports function ${name}, which does not exist`)
            : new RuntimeError('FUNCTION_NOT_FOUND', `function ${name} not found`)
        }
        return this.compileUnit(record, chain)
      })
      this.remember(this.units, name, pending)
    }
    return pending
  }

  private async compileUnit(
    record: Pick<FunctionRecord, 'name' | 'source' | 'language' | 'hash'>,
    chain: string[],
    transient?: Array<() => void>,
  ): Promise<LoadUnit> {
    const compiled = await compileFunction(record)
    const restore = this.maps.set(compiled.filename, compiled.map)
    if (transient) transient.push(restore)
    else this.importsOf.set(record.name, Object.values(compiled.imports))
    const path = [...chain, record.name]
    const imports: Record<string, LoadUnit> = {}
    for (const [specifier, target] of Object.entries(compiled.imports)) {
      if (path.includes(target)) {
        throw new RuntimeError('CIRCULAR_IMPORT', `circular import between functions: ${[...path.slice(path.indexOf(target)), target].join(' → ')}`)
      }
      assertFunctionName(target)
      imports[specifier] = await this.unit(target, path)
    }
    return { compiled, imports }
  }

  // Failures are not kept: the next call retries (a missing import may have been added since).
  private remember<T>(map: Map<string, Promise<T>>, name: string, pending: Promise<T>): void {
    map.set(name, pending)
    pending.catch(() => {
      if (map.get(name) === pending) map.delete(name)
    })
  }
}
