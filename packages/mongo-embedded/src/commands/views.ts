// Views: a collection entry with `viewOn` and `pipeline` in its options and no documents of its own. Reads run the view's
// pipeline (resolved through views of views) on the source collection, then the read's own stages; writes are refused.
import type { Document } from 'bson'
import { badValue, CommandError } from '../engine/errors.js'
import type { CollectionState } from '../engine/store.js'
import type { CommandContext } from './context.js'

export const isView = (state: CollectionState | undefined): boolean => typeof state?.options.viewOn === 'string'

export function notOnView(db: string, name: string): CommandError {
  return new CommandError(166, 'CommandNotSupportedOnView', `Namespace ${db}.${name} is a view, not a collection`)
}

/** Throws 166 when `name` is a view (for writes and index commands). */
export function assertNotView(context: CommandContext, name: string): void {
  if (isView(context.ws.collection(context.db, name))) throw notOnView(context.db, name)
}

/** The collection a view finally reads and the whole pipeline in front of the read's own stages. */
export function resolveView(context: CommandContext, name: string): { source: string; pipeline: Document[] } | undefined {
  let state = context.ws.collection(context.db, name)
  if (!isView(state)) return undefined
  const pipeline: Document[] = []
  const seen = new Set<string>()
  while (isView(state)) {
    if (seen.has(state!.name)) throw new CommandError(40255, 'GraphContainsCycle', `View cycle detected: ${[...seen].join(' -> ')}`)
    seen.add(state!.name)
    pipeline.unshift(...((state!.options.pipeline as Document[]) ?? []))
    state = context.ws.collection(context.db, state!.options.viewOn as string)
  }
  return { source: state?.name ?? '', pipeline }
}

/** Checks a `create` of a view: `viewOn` a name, `pipeline` an array of stages without $out/$merge. */
export function checkViewOptions(options: Document): void {
  if (options.viewOn === undefined) {
    if (options.pipeline !== undefined) throw badValue("'pipeline' requires 'viewOn' to also be specified")
    return
  }
  if (typeof options.viewOn !== 'string' || options.viewOn === '') throw badValue("'viewOn' must be a non-empty string")
  const pipeline = options.pipeline ?? []
  if (!Array.isArray(pipeline)) throw badValue("'pipeline' must be an array")
  for (const stage of pipeline as Document[]) {
    if (stage && typeof stage === 'object' && ('$out' in stage || '$merge' in stage)) {
      throw new CommandError(51047, 'OptionNotSupportedOnView', `${'$out' in stage ? '$out' : '$merge'} cannot be used in a view definition`)
    }
  }
}

/** The stages a find (or count) adds after a view's pipeline. */
export function readStages(filter: Document | undefined, options: { sort?: unknown; skip?: number; limit?: number; projection?: unknown }): Document[] {
  const stages: Document[] = []
  if (filter && Object.keys(filter).length) stages.push({ $match: filter })
  if (options.sort && Object.keys(options.sort).length) stages.push({ $sort: options.sort })
  if (options.skip) stages.push({ $skip: options.skip })
  if (options.limit) stages.push({ $limit: options.limit })
  if (options.projection && Object.keys(options.projection).length) stages.push({ $project: options.projection })
  return stages
}
