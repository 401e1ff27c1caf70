// MCP clients (and the models behind them) reject or mangle tool names outside this alphabet, and several cap the
// length at 64, so every name the adapter publishes is forced into it.
export const MAX_TOOL_NAME_LENGTH = 64

/** Replaces every character outside `[A-Za-z0-9_.-]` with `_` and cuts the result to 64 characters. */
export function sanitizeToolName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_TOOL_NAME_LENGTH)
  return cleaned.length > 0 ? cleaned : 'tool'
}

/**
 * Gives each wanted name a unique, sanitised tool name. The first claimant keeps the plain name; later ones get `_2`,
 * `_3`, … (cutting the base so the suffix still fits). Callers pass names in a stable order so a reload does not rename
 * tools that did not change.
 */
export function assignToolNames(wanted: readonly string[]): string[] {
  const taken = new Set<string>()
  return wanted.map((raw) => {
    const base = sanitizeToolName(raw)
    let name = base
    for (let n = 2; taken.has(name); n++) {
      const suffix = `_${n}`
      name = base.slice(0, MAX_TOOL_NAME_LENGTH - suffix.length) + suffix
    }
    taken.add(name)
    return name
  })
}
