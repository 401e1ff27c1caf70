import { watch as fsWatch, type FSWatcher } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { RuntimeError } from '../errors.js'
import { assertFunctionName, invalidNameReason } from '../names.js'
import type { FunctionLanguage, FunctionRecord, FunctionStore } from '../types.js'
import { createListeners } from './emitter.js'
import { toRecord } from './record.js'

export interface DirectoryStoreOptions {
  /** Pick up edits without a restart (fs.watch). Default true. */
  watch?: boolean
  /** How long to wait for a burst of file events to settle before rescanning, ms. Default 30. */
  debounceMs?: number
}

const EXTENSIONS: Array<[string, FunctionLanguage]> = [
  ['.ts', 'ts'],
  ['.js', 'js'],
]

/**
 * Functions as files: `hello.ts` → `hello`, `a/b.ts` → `a/b`. An optional `hello.json` beside it holds
 * `{methods, description, inputSchema, timeoutMs}`. Dot-files, `node_modules` and `.d.ts` files are ignored.
 */
export function directoryStore(dir: string, options: DirectoryStoreOptions = {}): FunctionStore {
  const root = resolve(dir)
  const watchEnabled = options.watch ?? true
  const debounceMs = options.debounceMs ?? 30
  const listeners = createListeners()
  let watcher: FSWatcher | undefined
  let snapshot: Map<string, string> | undefined
  let timer: NodeJS.Timeout | undefined
  let scanning: Promise<void> | undefined
  let rescanAgain = false
  let subscribers = 0

  async function readRecord(name: string): Promise<FunctionRecord | undefined> {
    for (const [extension, language] of EXTENSIONS) {
      let source: string
      try {
        source = await readFile(join(root, name + extension), 'utf8')
      } catch {
        continue
      }
      let meta: Record<string, any> = {}
      try {
        meta = JSON.parse(await readFile(join(root, `${name}.json`), 'utf8'))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new RuntimeError('BAD_REQUEST', `${name}.json is not valid JSON: ${(error as Error).message}`, { cause: error })
        }
      }
      return toRecord({
        name,
        source,
        language,
        methods: meta.methods,
        description: meta.description,
        inputSchema: meta.inputSchema,
        timeoutMs: meta.timeoutMs,
      })
    }
    return undefined
  }

  async function names(): Promise<string[]> {
    const found = new Set<string>()
    async function walk(folder: string): Promise<void> {
      let entries
      try {
        entries = await readdir(folder, { withFileTypes: true })
      } catch {
        return
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
        const full = join(folder, entry.name)
        if (entry.isDirectory()) await walk(full)
        else if (entry.isFile() && !entry.name.endsWith('.d.ts')) {
          const match = EXTENSIONS.find(([extension]) => entry.name.endsWith(extension))
          if (!match) continue
          const name = relative(root, full).slice(0, -match[0].length).split(sep).join('/')
          if (invalidNameReason(name) === undefined) found.add(name)
        }
      }
    }
    await walk(root)
    return [...found].sort()
  }

  async function list(): Promise<FunctionRecord[]> {
    const records = await Promise.all((await names()).map((name) => readRecord(name).catch(() => undefined)))
    return records.filter((record): record is FunctionRecord => record !== undefined)
  }

  // Rescans everything and emits the difference: robust against editors that save by rename, and cheap for a folder of functions.
  async function rescan(): Promise<void> {
    const next = new Map((await list()).map((record) => [record.name, record.hash]))
    const previous = snapshot ?? new Map<string, string>()
    snapshot = next
    for (const [name, hash] of next) if (previous.get(name) !== hash) listeners.emit({ type: 'set', name, hash })
    for (const name of previous.keys()) if (!next.has(name)) listeners.emit({ type: 'delete', name })
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      if (scanning) {
        rescanAgain = true
        return
      }
      scanning = rescan()
        .catch(() => undefined)
        .finally(() => {
          scanning = undefined
          if (rescanAgain) {
            rescanAgain = false
            schedule()
          }
        })
    }, debounceMs)
  }

  function startWatching(): void {
    if (!watchEnabled || watcher) return
    // Take the baseline first, so the first edit after subscribing is reported as a change.
    scanning = list()
      .then((records) => {
        snapshot ??= new Map(records.map((record) => [record.name, record.hash]))
      })
      .catch(() => undefined)
      .finally(() => {
        scanning = undefined
      })
    try {
      watcher = fsWatch(root, { recursive: true }, () => schedule())
      watcher.on('error', () => undefined)
      watcher.unref()
    } catch (error) {
      throw new RuntimeError('BAD_REQUEST', `cannot watch ${root}: ${(error as Error).message}`, { cause: error })
    }
  }

  function stopWatching(): void {
    watcher?.close()
    watcher = undefined
    snapshot = undefined
    if (timer) clearTimeout(timer)
    timer = undefined
  }

  return {
    list,
    async get(name) {
      assertFunctionName(name)
      return readRecord(name)
    },
    watch(listener) {
      const remove = listeners.add(listener)
      subscribers++
      startWatching()
      let active = true
      return () => {
        if (!active) return
        active = false
        remove()
        if (--subscribers === 0) stopWatching()
      }
    },
    close() {
      listeners.clear()
      subscribers = 0
      stopWatching()
    },
  }
}
