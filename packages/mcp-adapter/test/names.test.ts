import { describe, expect, it } from 'vitest'
import { assignToolNames, sanitizeToolName } from '../src/names.js'

describe('tool names', () => {
  it('keeps [A-Za-z0-9_.-] and replaces everything else', () => {
    expect(sanitizeToolName('orders/create')).toBe('orders_create')
    expect(sanitizeToolName('v1.2-beta_x')).toBe('v1.2-beta_x')
    expect(sanitizeToolName('héllo wörld!')).toBe('h_llo_w_rld_')
    expect(sanitizeToolName('')).toBe('tool')
  })

  it('cuts names to 64 characters', () => {
    expect(sanitizeToolName('a'.repeat(100))).toHaveLength(64)
  })

  it('deduplicates in order, keeping suffixed names within 64 characters', () => {
    expect(assignToolNames(['a/b', 'a_b', 'a b', 'c'])).toEqual(['a_b', 'a_b_2', 'a_b_3', 'c'])
    const long = 'x'.repeat(80)
    const [first, second] = assignToolNames([long, `${long}y`])
    expect(first).toBe('x'.repeat(64))
    expect(second).toBe(`${'x'.repeat(62)}_2`)
  })

  it('never produces a name that collides with a later plain name', () => {
    const names = assignToolNames(['a', 'a', 'a_2'])
    expect(new Set(names).size).toBe(3)
  })
})
