import { describe, expect, it } from 'vitest'
import { readModuleMeta } from '../src/meta.js'

const META = `export const meta = { description: 'Adds', inputSchema: { type: 'object' } }`

function record(name: string, source: string) {
  return { name, source, hash: `${name}-${source.length}` }
}

describe("reading a module's exported meta", () => {
  it('reads a literal meta without running the function', async () => {
    const source = `${META}\nexport default async () => { throw new Error('must not run') }`
    expect(await readModuleMeta(record('plain', source))).toEqual({ description: 'Adds', inputSchema: { type: 'object' } })
  })

  it('gives imports and host globals inert stand-ins, so top-level setup code does not stop it', async () => {
    const source = `import cloud from '@scraping-run/cloud'
      import { readFileSync } from 'node:fs'
      const template = readFileSync('/nonexistent.html', 'utf8').trim()
      const db = cloud.database().collection(process.env.TABLE)
      setInterval(() => db.find(), 1000)
      ${META}
      export default async () => db`
    expect(await readModuleMeta(record('setup', source))).toMatchObject({ description: 'Adds' })
  })

  it('still reads meta when later top-level code never finishes', async () => {
    expect(await readModuleMeta(record('loop', `${META}\nwhile (true) {}`))).toMatchObject({ description: 'Adds' })
  })

  it('keeps data only, and gives undefined for a module without meta or with a syntax error', async () => {
    const withFunction = `export const meta = { description: 'x', inputSchema: { type: 'object' }, build() {} }`
    expect(await readModuleMeta(record('fn', withFunction))).toEqual({ description: 'x', inputSchema: { type: 'object' } })
    expect(await readModuleMeta(record('none', 'export default () => 1'))).toBeUndefined()
    expect(await readModuleMeta(record('metaphor', '// a metaphor, not a meta\nexport default () => 1'))).toBeUndefined()
    await expect(readModuleMeta(record('broken', `${META}\nexport default (`))).rejects.toThrow()
  })
})
