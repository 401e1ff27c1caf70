// ReDoS: a regular expression in a request runs over stored strings, so one with catastrophic backtracking (`^(a+)+$`
// against 25 `a`s and a `!`) lets even an anonymous caller hold the database (or an in-process server) for seconds.
// recheck (a maintained checker that analyses the pattern's automaton, then fuzzes it) decides whether matching can take
// super-linear time; such patterns are refused unless the rule lists "$regex" in `allow`. safe-regex2 was the smaller
// choice, but its star-height heuristic misses overlapping alternatives (`(a|a)*`) and refuses safe nested groups.
import { isPlainObject } from '@scraping-run/cloud/protocol'
import { DbProxyError } from './errors.js'
import type { Finding } from './guard.js'
import type { ParsedRequest } from './types.js'

/** Aggregation operators whose `regex` argument is a pattern. */
const REGEX_OPERATORS = new Set(['$regexMatch', '$regexFind', '$regexFindAll'])
/** Distinct patterns one request may carry: each is analysed, which costs milliseconds. */
const MAX_PATTERNS = 16
/** How long recheck may analyse one pattern; one it cannot decide in time is refused. */
const CHECK_TIMEOUT_MS = 2000
const CACHE_SIZE = 1000

interface Pattern {
  source: string
  flags: string
  /** Set when the pattern cannot be checked at all (a field path, an expression). */
  unchecked?: string
}

type Verdict = { safe: true } | { safe: false; reason: string }

const cache = new Map<string, Verdict>()
let recheck: Promise<typeof import('recheck')> | undefined

function flagsOf(options: unknown): string {
  return typeof options === 'string' ? options : ''
}

function collect(value: unknown, out: Pattern[], depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 256) return
  if (value instanceof RegExp) {
    out.push({ source: value.source, flags: value.flags })
    return
  }
  if ((value as { _bsontype?: string })._bsontype === 'BSONRegExp') {
    const bson = value as { pattern: string; options: string }
    out.push({ source: bson.pattern, flags: bson.options })
    return
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out, depth + 1)
    return
  }
  if (!isPlainObject(value)) return
  const record = value as Record<string, unknown>
  if (typeof record.$regex === 'string') out.push({ source: record.$regex, flags: flagsOf(record.$options) })
  for (const [key, inner] of Object.entries(record)) {
    if (REGEX_OPERATORS.has(key) && isPlainObject(inner)) {
      const { regex, options } = inner as Record<string, unknown>
      if (typeof regex === 'string' && !regex.startsWith('$')) out.push({ source: regex, flags: flagsOf(options) })
      else if (!(regex instanceof RegExp) && (regex as { _bsontype?: string })?._bsontype !== 'BSONRegExp') {
        // A field path or an expression: the pattern comes from stored data, which no check here can see.
        out.push({ source: String(JSON.stringify(regex)), flags: '', unchecked: `${key} with a regex that is not a literal pattern` })
      }
    }
    collect(inner, out, depth + 1)
  }
}

/** Every regular expression in the request's filter, update and pipeline. */
export function findPatterns(request: ParsedRequest): Pattern[] {
  const out: Pattern[] = []
  collect(request.query, out, 0)
  collect(request.data, out, 0)
  collect(request.pipeline, out, 0)
  return out
}

async function analyse(source: string, flags: string): Promise<Verdict> {
  // MongoDB's `x` (extended) option has no JavaScript equivalent, so the analysis would be of another pattern.
  if (/[^imsu]/.test(flags)) return { safe: false, reason: `its options "${flags}" cannot be checked (only i, m, s and u can)` }
  let result: Awaited<ReturnType<(typeof import('recheck'))['check']>>
  try {
    const lib = await (recheck ??= import('recheck'))
    result = await lib.check(source, flags, { timeout: CHECK_TIMEOUT_MS })
  } catch (error) {
    return { safe: false, reason: `it could not be analysed (${(error as Error)?.message ?? String(error)})` }
  }
  if (result.status === 'safe') return { safe: true }
  if (result.status === 'vulnerable') {
    return { safe: false, reason: `matching can take ${result.complexity.type} time (ReDoS), e.g. on ${JSON.stringify(result.attack.string.slice(0, 40))}` }
  }
  return { safe: false, reason: `it could not be analysed in time (${result.error.kind})` }
}

async function verdictOf(source: string, flags: string): Promise<Verdict> {
  const key = `${flags}/${source}`
  const cached = cache.get(key)
  if (cached) return cached
  const verdict = await analyse(source, flags)
  if (cache.size >= CACHE_SIZE) cache.clear()
  cache.set(key, verdict)
  return verdict
}

/** One `$regex` finding per pattern that may backtrack catastrophically; `allow: ["$regex"]` lets them through. */
export async function findUnsafeRegexes(request: ParsedRequest): Promise<Finding[]> {
  const patterns = findPatterns(request)
  if (patterns.length === 0) return []
  const distinct = new Map(patterns.map((pattern) => [`${pattern.flags}/${pattern.source}`, pattern]))
  if (distinct.size > MAX_PATTERNS) {
    throw new DbProxyError('BAD_REQUEST', `the request carries ${distinct.size} regular expressions; at most ${MAX_PATTERNS} are accepted`)
  }
  const findings: Finding[] = []
  for (const pattern of distinct.values()) {
    const shown = `/${pattern.source.length > 60 ? `${pattern.source.slice(0, 60)}…` : pattern.source}/${pattern.flags}`
    const verdict: Verdict = pattern.unchecked ? { safe: false, reason: `it is ${pattern.unchecked}` } : await verdictOf(pattern.source, pattern.flags)
    if (!verdict.safe) {
      findings.push({ token: '$regex', operator: '$regex', reason: `the regular expression ${shown} is refused: ${verdict.reason}; allow it with "allow": ["$regex"]` })
    }
  }
  return findings
}
