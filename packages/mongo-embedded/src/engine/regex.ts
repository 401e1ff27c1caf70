// Bounded regular expressions for queries. JS's backtracking engine can take exponential time (`^(a+)+$` on "aaaa…!"),
// which would freeze the whole server. Patterns re2js accepts run on it, in time linear in the input. The rest (those
// needing backreferences or lookaround, which re2js refuses) run natively inside a `vm` call with a timeout, so one
// evaluation can never hold the event loop longer than REGEX_TIME_LIMIT_MS. Patterns that cannot backtrack badly still
// run natively on short values, where re2js would be several times slower.
import { createContext, Script } from 'node:vm'
import { RE2JS } from 're2js'
import { CommandError } from './errors.js'

export const REGEX_TIME_LIMIT_MS = 100
/** Up to this length, a pattern with at most one unbounded quantifier and no quantified group runs natively (faster). */
const NATIVE_MAX_INPUT = 1000

const sandbox = createContext({ re: /$^/, input: '' })
const execScript = new Script('re.exec(input)')

type Engine = { kind: 're2'; re2: RE2JS; simple: boolean } | { kind: 'native' }

/**
 * Whether a pattern cannot backtrack badly on a short input: no backreference or lookaround, no quantifier applied to a
 * group, and at most one unbounded quantifier (`*`, `+`, `{n,}`), which bounds the work by the input length squared.
 */
function isSimple(source: string): boolean {
  if (/\\[1-9k]|\(\?<?[=!]/.test(source)) return false
  let unbounded = 0
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!
    if (char === '\\') i++
    else if (char === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++
    } else if (char === ')' && /[*+?{]/.test(source[i + 1] ?? '')) return false
    else if (char === '*' || char === '+' || (char === '{' && /^\{\d*,\}/.test(source.slice(i)))) unbounded++
  }
  return unbounded <= 1
}

function compileEngine(source: string, flags: string): Engine {
  try {
    let bits = 0
    if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE
    if (flags.includes('m')) bits |= RE2JS.MULTILINE
    if (flags.includes('s')) bits |= RE2JS.DOTALL
    return { kind: 're2', re2: RE2JS.compile(RE2JS.translateRegExp(source), bits), simple: isSimple(source) }
  } catch {
    return { kind: 'native' }
  }
}

/** A RegExp whose `exec`/`test` (what mingo calls) run in bounded time. */
export class SafeRegExp extends RegExp {
  private engine?: Engine

  override exec(input: string): RegExpExecArray | null {
    this.engine ??= compileEngine(this.source, this.flags)
    if (this.engine.kind === 're2' && this.engine.simple && input.length <= NATIVE_MAX_INPUT) return RegExp.prototype.exec.call(this, input)
    if (this.engine.kind === 're2') {
      const matcher = this.engine.re2.matcher(input)
      if (!matcher.find()) return null
      const found = Object.assign([matcher.group() ?? ''], { index: matcher.start(), input }) as unknown as RegExpExecArray
      return found
    }
    return nativeExec(new RegExp(this.source, this.flags), input)
  }

  override test(input: string): boolean {
    this.engine ??= compileEngine(this.source, this.flags)
    if (this.engine.kind === 're2' && this.engine.simple && input.length <= NATIVE_MAX_INPUT) return RegExp.prototype.exec.call(this, input) !== null
    if (this.engine.kind === 're2') return this.engine.re2.test(input)
    return nativeExec(new RegExp(this.source, this.flags), input) !== null
  }
}

function nativeExec(re: RegExp, input: string): RegExpExecArray | null {
  sandbox.re = re
  sandbox.input = input
  try {
    return execScript.runInContext(sandbox, { timeout: REGEX_TIME_LIMIT_MS }) as RegExpExecArray | null
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new CommandError(2, 'BadValue', `$regex /${re.source}/ took over ${REGEX_TIME_LIMIT_MS} ms on one value (catastrophic backtracking); simplify the pattern`)
    }
    throw error
  }
}

const cache = new Map<string, SafeRegExp>()

/** The bounded twin of a RegExp (cached: filters reuse the same patterns). */
export function safeRegExp(value: unknown): unknown {
  if (!(value instanceof RegExp) || value instanceof SafeRegExp) return value
  const key = `${value.flags}/${value.source}`
  let safe = cache.get(key)
  if (!safe) {
    if (cache.size > 1000) cache.clear()
    cache.set(key, (safe = new SafeRegExp(value.source, value.flags.replace('g', '').replace('y', ''))))
  }
  return safe
}

export const safeList = (values: unknown) => (Array.isArray(values) ? values.map(safeRegExp) : values)

