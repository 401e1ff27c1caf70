import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server'
import { McpAdapterError } from './errors.js'
import { assignToolNames } from './names.js'
import type { JsonSchema, McpExecutor, McpFunctionInfo, McpFunctionRecord, McpHandlerOptions, McpToolMeta } from './types.js'

/** One published tool: the function it runs and its compiled argument validator. */
export interface ToolEntry {
  name: string
  functionName: string
  description: string
  title?: string
  annotations?: McpFunctionInfo['annotations']
  inputSchema: JsonSchema
  validator: StandardSchemaWithJSON
  outputSchema?: JsonSchema
  outputValidator?: StandardSchemaWithJSON
}

export type CompileSchema = (schema: JsonSchema) => StandardSchemaWithJSON

export interface ToolCatalog {
  /** Builds the first tool list and starts watching the store (idempotent). */
  ready(): Promise<void>
  readonly tools: readonly ToolEntry[]
  get(toolName: string): ToolEntry | undefined
  /** Calls `listener` after a store change altered the published tools. */
  onChange(listener: () => void): () => void
  close(): void
}

type CatalogOptions = Pick<McpHandlerOptions, 'select' | 'toolName' | 'onError'>

function nameOf(event: unknown): string | undefined {
  const name = (event as { name?: unknown } | null)?.name
  return typeof name === 'string' ? name : undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function createToolCatalog(executor: McpExecutor, compile: CompileSchema, options: CatalogOptions): ToolCatalog {
  // Without onError a broken tool would just be missing from the list, with no hint why: say so on the console.
  const report = options.onError ?? ((error: Error) => console.warn(`@scraping-run/mcp-adapter: ${error.message}`))
  const listeners = new Set<() => void>()
  // Compiled validators by schema text, kept across rebuilds (compiling is the expensive part of a rebuild); a schema
  // that does not compile is remembered as its error so it is reported once, not on every store change.
  let validators = new Map<string, StandardSchemaWithJSON | Error>()
  let reported = new Set<string>()
  let stillFailing = new Set<string>()
  let tools: ToolEntry[] = []
  let byName = new Map<string, ToolEntry>()
  let signature = ''
  let started: Promise<void> | undefined
  let unwatch: (() => void) | undefined
  let building: Promise<void> | undefined
  let dirty = false
  let changedNames = new Set<string>()
  let closed = false

  // An exported `meta` comes from executor.describe(): the sandbox loaded the module, nothing here evaluates user code.
  async function metaOf(record: McpFunctionRecord): Promise<McpToolMeta> {
    if ((record.description !== undefined && record.inputSchema !== undefined) || !executor.describe) return record
    try {
      const [info] = await executor.describe(record.name)
      if (info?.error) {
        // A function that does not load is simply not a tool until it is fixed (its own calls report the error too).
        reportOnce(`${record.name}\0load`, new Error(`${record.name} is not a tool: its module did not load (${info.error.code}: ${info.error.message})`))
        return record
      }
      const meta = isObject(info?.meta) ? (info.meta as McpToolMeta) : undefined
      // What the record says wins over the module (a store can override a function's own description).
      return meta ? { ...meta, ...pickDefined(record) } : record
    } catch (error) {
      report(error as Error)
      return record
    }
  }

  function reportOnce(key: string, error: Error): void {
    stillFailing.add(key)
    if (!reported.has(key)) report(error)
  }

  function validatorFor(
    functionName: string,
    schema: JsonSchema,
    previous: Map<string, StandardSchemaWithJSON | Error>,
    field = 'inputSchema',
  ): StandardSchemaWithJSON | undefined {
    const key = JSON.stringify(schema)
    let validator = validators.get(key) ?? previous.get(key)
    if (!validator) {
      try {
        validator = compile(schema)
      } catch (error) {
        validator = error as Error
      }
    }
    validators.set(key, validator)
    if (!(validator instanceof Error)) return validator
    const message = `${functionName}: ${field} is not a usable JSON Schema: ${validator.message}`
    reportOnce(`${functionName}\0${key}`, new McpAdapterError('INVALID_SCHEMA', message, { cause: validator }))
    return undefined
  }

  /** The record as a tool candidate, with its metadata resolved; undefined (reported if broken) when it is none. */
  function infoOf(record: McpFunctionRecord, meta: McpToolMeta): McpFunctionInfo | undefined {
    if (typeof meta.description !== 'string' || !isObject(meta.inputSchema)) return undefined
    let inputSchema = meta.inputSchema
    // MCP requires an object root; a schema that only lists properties is taken to mean one.
    if (inputSchema.type === undefined) inputSchema = { type: 'object', ...inputSchema }
    if (inputSchema.type !== 'object') {
      const message = `${record.name}: a tool's inputSchema must describe an object (type: "object")`
      reportOnce(`${record.name}\0type`, new McpAdapterError('INVALID_SCHEMA', message))
      return undefined
    }
    const info: McpFunctionInfo = { ...record, description: meta.description, inputSchema }
    if (meta.title !== undefined) info.title = meta.title
    if (meta.annotations !== undefined) info.annotations = meta.annotations
    if (meta.outputSchema !== undefined) {
      if (!isObject(meta.outputSchema)) {
        reportOnce(`${record.name}\0output`, new McpAdapterError('INVALID_SCHEMA', `${record.name}: outputSchema must be a JSON Schema object`))
        return undefined
      }
      info.outputSchema = meta.outputSchema
    }
    return info
  }

  async function rebuild(): Promise<boolean> {
    const records = [...(await executor.store.list())]
      .filter((record) => !record.name.startsWith('__'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const metas = await Promise.all(records.map(metaOf))
    const infos: McpFunctionInfo[] = []
    records.forEach((record, i) => {
      const info = infoOf(record, metas[i]!)
      if (info && !(options.select && !options.select(info))) infos.push(info)
    })
    const names = assignToolNames(infos.map((info) => options.toolName?.(info) ?? info.name))
    const previous = validators
    validators = new Map()
    const next: ToolEntry[] = []
    infos.forEach((info, i) => {
      const validator = validatorFor(info.name, info.inputSchema, previous)
      if (!validator) return
      const entry: ToolEntry = { name: names[i]!, functionName: info.name, description: info.description, inputSchema: info.inputSchema, validator }
      if (info.outputSchema !== undefined) {
        const outputValidator = validatorFor(info.name, info.outputSchema, previous, 'outputSchema')
        if (!outputValidator) return
        entry.outputSchema = info.outputSchema
        entry.outputValidator = outputValidator
      }
      if (info.title !== undefined) entry.title = info.title
      if (info.annotations !== undefined) entry.annotations = info.annotations
      next.push(entry)
    })
    // Problems fixed since the last rebuild may be reported again if they come back.
    reported = stillFailing
    stillFailing = new Set()
    const before = new Set(tools.map((tool) => tool.functionName))
    const touched = [...changedNames].some((name) => before.has(name) || next.some((tool) => tool.functionName === name))
    changedNames = new Set()
    const nextSignature = JSON.stringify(next.map(({ validator: _v, outputValidator: _o, ...rest }) => rest))
    const changed = nextSignature !== signature || touched
    tools = next
    byName = new Map(next.map((tool) => [tool.name, tool]))
    signature = nextSignature
    return changed
  }

  // Store events can arrive in bursts (an editor saving several files); rebuilds are serialised and coalesced.
  function refresh(): Promise<void> {
    if (building) {
      dirty = true
      return building
    }
    building = (async () => {
      let changed = false
      do {
        dirty = false
        try {
          if (await rebuild()) changed = true
        } catch (error) {
          report(error as Error)
        }
      } while (dirty && !closed)
      if (changed && !closed) for (const listener of [...listeners]) listener()
    })().finally(() => {
      building = undefined
    })
    return building
  }

  return {
    ready() {
      started ??= (async () => {
        const watch = executor.watch ? executor.watch.bind(executor) : executor.store.watch.bind(executor.store)
        // Subscribe before the first listing so a change made meanwhile is not missed.
        unwatch = watch((event) => {
          const name = nameOf(event)
          if (name !== undefined) changedNames.add(name)
          void refresh()
        })
        await refresh()
      })()
      return started
    },
    get tools() {
      return tools
    },
    get: (toolName) => byName.get(toolName),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      closed = true
      unwatch?.()
      listeners.clear()
    },
  }
}

function pickDefined(record: McpFunctionRecord): McpToolMeta {
  const out: McpToolMeta = {}
  if (record.description !== undefined) out.description = record.description
  if (record.inputSchema !== undefined) out.inputSchema = record.inputSchema
  if (record.title !== undefined) out.title = record.title
  if (record.annotations !== undefined) out.annotations = record.annotations
  if (record.outputSchema !== undefined) out.outputSchema = record.outputSchema
  return out
}
