import { CloudError } from '../errors.js'
import { DB_ACTIONS, stringifyEJSON, type AggregateStage } from '../protocol.js'
import { encodeQuery, isPlainObject } from './encode.js'
import { send } from './query.js'
import type { AggregateRes, DbTransport } from './types.js'

/** An aggregation pipeline in LAF's wire form (each stage's argument as an EJSON string). */
export class Aggregation<T = Record<string, unknown>> {
  private readonly transport: DbTransport
  private readonly collectionName: string
  private readonly stages: AggregateStage[] = []

  /** @internal Use `collection.aggregate()`. */
  constructor(transport: DbTransport, collectionName: string, pipeline: Record<string, unknown>[] = []) {
    this.transport = transport
    this.collectionName = collectionName
    for (const stage of pipeline) {
      const keys = isPlainObject(stage) ? Object.keys(stage) : []
      if (keys.length !== 1 || !keys[0].startsWith('$')) {
        throw new CloudError('INVALID_ARGUMENT', 'aggregate(pipeline) expects stages like {$match: {…}}, one operator each')
      }
      this.pipe(keys[0], stage[keys[0]])
    }
  }

  private pipe(stageKey: string, value: unknown): this {
    this.stages.push({ stageKey, stageValue: stringifyEJSON(value) })
    return this
  }

  match(query: Record<string, unknown>): this {
    return this.pipe('$match', encodeQuery(query))
  }
  group(spec: Record<string, unknown>): this {
    return this.pipe('$group', spec)
  }
  sort(spec: Record<string, 1 | -1>): this {
    return this.pipe('$sort', spec)
  }
  limit(n: number): this {
    return this.pipe('$limit', n)
  }
  skip(n: number): this {
    return this.pipe('$skip', n)
  }
  project(spec: Record<string, unknown>): this {
    return this.pipe('$project', spec)
  }
  lookup(spec: { from: string; localField?: string; foreignField?: string; as: string; [key: string]: unknown }): this {
    return this.pipe('$lookup', spec)
  }
  unwind(spec: string | Record<string, unknown>): this {
    return this.pipe('$unwind', spec)
  }
  addFields(spec: Record<string, unknown>): this {
    return this.pipe('$addFields', spec)
  }
  count(field: string): this {
    return this.pipe('$count', field)
  }
  replaceRoot(spec: Record<string, unknown>): this {
    return this.pipe('$replaceRoot', spec)
  }
  sample(spec: { size: number }): this {
    return this.pipe('$sample', spec)
  }
  sortByCount(expression: unknown): this {
    return this.pipe('$sortByCount', expression)
  }

  /** The stages as they will be sent. */
  unwrap(): AggregateStage[] {
    return [...this.stages]
  }

  /** Runs the pipeline. */
  async end(): Promise<AggregateRes<T>> {
    if (this.stages.length === 0) throw new CloudError('INVALID_ARGUMENT', 'aggregate() needs at least one stage before end()')
    const response = await send(this.transport, { action: DB_ACTIONS.aggregate, collectionName: this.collectionName, stages: this.stages })
    if (response.code !== 0) return { ok: false, code: response.code, error: 'error' in response ? response.error : undefined, data: [] }
    return { ok: true, data: (response as { data: { list: T[] } }).data.list }
  }
}
