import type { FunctionInfo } from '../types.js'

/** An OpenAPI 3.1 document (the parts we write). */
export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description?: string }
  servers?: Array<{ url: string }>
  paths: Record<string, Record<string, unknown>>
  components: Record<string, unknown>
}

export interface OpenApiOptions {
  /** `info.title` (default `'Cloud functions'`). */
  title?: string
  /** `info.version` (default `'1.0.0'`). */
  version?: string
  description?: string
  /** Where the functions are mounted, e.g. `'/fn'` (becomes `servers[0].url`). */
  serverUrl?: string
  /**
   * `'bearer'` marks every operation as needing `Authorization: Bearer <JWT>`; `'none'` marks none. Default: bearer when
   * an `__interceptor__` function exists (the usual way functions are protected), else none.
   */
  security?: 'bearer' | 'none'
}

/** Whether the operations say they need a bearer token: `security`, else whether an `__interceptor__` exists. */
export function needsBearer(functions: readonly FunctionInfo[], options: Pick<OpenApiOptions, 'security'>): boolean {
  return (options.security ?? (functions.some((fn) => fn.name === '__interceptor__') ? 'bearer' : 'none')) === 'bearer'
}

const ALL_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const
const WITH_BODY = new Set(['post', 'put', 'patch', 'delete'])

type Json = Record<string, unknown>

/** What the record says wins over the module's exported `meta` (as for MCP tools). */
function metadataOf(info: FunctionInfo): Json {
  const meta = isObject(info.meta) ? info.meta : {}
  const picked: Json = { ...meta }
  for (const key of ['description', 'inputSchema', 'outputSchema', 'title', 'methods'] as const) {
    if (info[key] !== undefined) picked[key] = info[key]
  }
  const tags = (info as { tags?: unknown }).tags
  if (Array.isArray(tags)) picked.tags = tags
  return picked
}

/**
 * Builds the document from `executor.describe()`: a path per function (internal `__*` functions and modules that do
 * not load are left out), an operation per method it answers, its `inputSchema` as the request body (as query
 * parameters for GET), its `outputSchema` as the 200 response, and the `{error, code, requestId}` error shape.
 */
export function buildOpenApiDocument(functions: readonly FunctionInfo[], options: OpenApiOptions = {}): OpenApiDocument {
  const bearer = needsBearer(functions, options)
  const paths: OpenApiDocument['paths'] = {}
  const ids = new Set<string>()
  for (const info of [...functions].sort((a, b) => a.name.localeCompare(b.name))) {
    if (info.name.startsWith('__') || info.error) continue
    const meta = metadataOf(info)
    const methods = Array.isArray(meta.methods) ? meta.methods.map((method) => String(method).toLowerCase()) : [...ALL_METHODS]
    const item: Record<string, unknown> = {}
    for (const method of methods) {
      if (!(ALL_METHODS as readonly string[]).includes(method)) continue
      item[method] = operation(operationId(info.name, method, ids), method, meta, bearer)
    }
    if (Object.keys(item).length) paths[`/${info.name.split('/').map(encodeURIComponent).join('/')}`] = item
  }
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Cloud functions',
      version: options.version ?? '1.0.0',
      ...(options.description ? { description: options.description } : {}),
    },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      responses: { Error: { description: 'The function failed or the request was refused', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  }
  if (options.serverUrl !== undefined) document.servers = [{ url: options.serverUrl || '/' }]
  return document
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'code', 'requestId'],
  properties: { error: { type: 'string' }, code: { type: 'string' }, requestId: { type: 'string' } },
}

function operation(id: string, method: string, meta: Json, bearer: boolean): Json {
  const op: Json = { operationId: id }
  const summary = typeof meta.summary === 'string' ? meta.summary : typeof meta.title === 'string' ? meta.title : undefined
  if (summary) op.summary = summary
  if (typeof meta.description === 'string') op.description = meta.description
  if (Array.isArray(meta.tags) && meta.tags.every((tag) => typeof tag === 'string')) op.tags = meta.tags
  const input = isObject(meta.inputSchema) ? meta.inputSchema : undefined
  if (input && WITH_BODY.has(method)) {
    op.requestBody = { required: Array.isArray(input.required) && input.required.length > 0, content: { 'application/json': { schema: input } } }
  } else if (input && method === 'get') {
    const parameters = queryParameters(input)
    if (parameters.length) op.parameters = parameters
  }
  const output = isObject(meta.outputSchema) ? meta.outputSchema : undefined
  op.responses = {
    '200': { description: 'What the function returned', ...(output ? { content: { 'application/json': { schema: output } } } : {}) },
    default: { $ref: '#/components/responses/Error' },
  }
  if (bearer) op.security = [{ bearerAuth: [] }]
  return op
}

/** A GET's input arrives as the query string: one parameter per top-level property of an object schema. */
function queryParameters(schema: Json): Json[] {
  if (!isObject(schema.properties)) return []
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: isObject(property) ? property : {},
    ...(isObject(property) && typeof property.description === 'string' ? { description: property.description } : {}),
  }))
}

/** `post_orders_list`; names that differ only in punctuation get a numeric suffix, since ids must be unique. */
function operationId(name: string, method: string, used: Set<string>): string {
  const base = `${method}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`
  let id = base
  for (let n = 2; used.has(id); n++) id = `${base}_${n}`
  used.add(id)
  return id
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The document for an executor's functions right now (what the HTTP adapter's `openapi` route serves). */
export async function openApiDocument(executor: { describe(): Promise<FunctionInfo[]> }, options: OpenApiOptions = {}): Promise<OpenApiDocument> {
  return buildOpenApiDocument(await executor.describe(), options)
}
