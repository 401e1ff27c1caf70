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
  const watchers = new Map<string, FSWatcher>()
  let watching = false
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
        cpuTimeMs: meta.cpuTimeMs,
        schedule: meta.schedule,
        timezone: meta.timezone,
        title: meta.title,
        annotations: meta.annotations,
        outputSchema: meta.outputSchema,
      })
    }
    return undefined
  }

  // Also collects the folders walked, so each one can be watched on its own.
  async function names(folders?: Set<string>): Promise<string[]> {
    const found = new Set<string>()
    async function walk(folder: string): Promise<void> {
      let entries
      try {
        entries = await readdir(folder, { withFileTypes: true })
      } catch {
        return
      }
      folders?.add(folder)
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

  async function readAll(folders?: Set<string>): Promise<FunctionRecord[]> {
    const records = await Promise.all((await names(folders)).map((name) => readRecord(name).catch(() => undefined)))
    return records.filter((record): record is FunctionRecord => record !== undefined)
  }

  function list(): Promise<FunctionRecord[]> {
    return readAll()
  }

  // One non-recursive watcher per folder, not fs.watch's recursive mode: on Linux, Node emulates that mode with
  // watchers on the files themselves, which are lost when an editor deletes and re-creates (or renames over) a file,
  // so later saves went unseen. A folder's watcher reports every change of its entries, however they are written.
  function syncWatchers(folders: Set<string>): void {
    if (!watching) return
    for (const folder of folders) {
      if (watchers.has(folder)) continue
      try {
        const folderWatcher = fsWatch(folder, { persistent: false }, () => schedule())
        folderWatcher.on('error', () => {
          folderWatcher.close()
          watchers.delete(folder)
          schedule()
        })
        watchers.set(folder, folderWatcher)
      } catch (error) {
        if (folder === root) throw new RuntimeError('BAD_REQUEST', `cannot watch ${root}: ${(error as Error).message}`, { cause: error })
      }
    }
    for (const [folder, folderWatcher] of watchers) {
      if (folders.has(folder)) continue
      folderWatcher.close()
      watchers.delete(folder)
    }
  }

  // Rescans everything and emits the difference: robust against editors that save by rename, and cheap for a folder of functions.
  async function rescan(): Promise<void> {
    const folders = new Set<string>()
    const next = new Map((await readAll(folders)).map((record) => [record.name, record.hash]))
    syncWatchers(folders)
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
    if (!watchEnabled || watching) return
    watching = true
    // Watch the root now (a bad folder fails here), then take the baseline, so the first edit after subscribing is
    // reported as a change.
    syncWatchers(new Set([root]))
    const folders = new Set<string>()
    scanning = readAll(folders)
      .then((records) => {
        snapshot ??= new Map(records.map((record) => [record.name, record.hash]))
        syncWatchers(folders)
      })
      .catch(() => undefined)
      .finally(() => {
        scanning = undefined
      })
  }

  function stopWatching(): void {
    watching = false
    for (const folderWatcher of watchers.values()) folderWatcher.close()
    watchers.clear()
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
