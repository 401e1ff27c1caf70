// Snapshot reads (`readConcern: {level: 'snapshot'}`, as `startSession({snapshot: true})` sends): the first read copies
// the catalog (maps, not documents, which never change in place) at the current cluster time; reads naming that time
// in `atClusterTime` read the same copy, so a snapshot session sees one point in time across collections and commands.
import type { Document, Timestamp } from 'bson'
import { CommandError } from './errors.js'
import { type Catalog, cloneCollection, type CollectionState } from './store.js'
import type { Engine, Workspace } from './workspace.js'

/** How long a snapshot can still be read (MongoDB's minSnapshotHistoryWindowInSeconds is 300). */
const HISTORY_MS = 300_000
const MAX_SNAPSHOTS = 16

/** Commands that accept readConcern snapshot outside a transaction, as in MongoDB. */
export const SNAPSHOT_COMMANDS = new Set(['find', 'aggregate', 'distinct', 'getMore', 'killCursors'])

class SnapshotWorkspace implements Workspace {
  readonly inTransaction = false
  constructor(private readonly catalog: Catalog) {}

  collection(db: string, name: string): CollectionState | undefined {
    return this.catalog.get(db)?.get(name)
  }

  collections(db: string): CollectionState[] {
    return [...(this.catalog.get(db)?.values() ?? [])]
  }

  databases(): string[] {
    return [...this.catalog.keys()]
  }

  write(): void {
    throw new CommandError(72, 'InvalidOptions', 'writes are not allowed with readConcern snapshot outside a transaction')
  }
}

export class Snapshots {
  private readonly taken = new Map<string, { catalog: Catalog; at: number; time: Timestamp }>()

  constructor(private readonly engine: Engine) {}

  /** The workspace of a snapshot read at `atClusterTime` (now when absent), and the time it reads at. */
  open(readConcern: Document): { ws: Workspace; time: Timestamp } {
    const now = Date.now()
    for (const [key, entry] of this.taken) if (now - entry.at > HISTORY_MS) this.taken.delete(key)
    const current = this.engine.clusterTime
    const wanted = readConcern.atClusterTime as Timestamp | undefined
    const time = wanted ?? current
    let entry = this.taken.get(time.toString())
    if (!entry) {
      // A time after the last commit reads the data as it is now; an older one we kept no copy of is gone.
      if (wanted && wanted.compare(current) < 0) {
        throw new CommandError(239, 'SnapshotTooOld', `Read timestamp ${wanted.toString()} is older than the oldest available timestamp.`)
      }
      entry = { catalog: this.copy(), at: now, time }
      if (this.taken.size >= MAX_SNAPSHOTS) this.taken.delete(this.taken.keys().next().value!)
      this.taken.set(time.toString(), entry)
    }
    return { ws: new SnapshotWorkspace(entry.catalog), time: entry.time }
  }

  private copy(): Catalog {
    const catalog: Catalog = new Map()
    for (const [db, collections] of this.engine.catalog) catalog.set(db, new Map([...collections].map(([name, state]) => [name, cloneCollection(state)])))
    return catalog
  }
}
