import { MongoClient } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { runCli, USAGE } from '../src/cli-run.js'

function io() {
  const lines: string[] = []
  return { lines, log: (line: string) => lines.push(line), error: (line: string) => lines.push(`ERR ${line}`) }
}

describe('scraping-run-mongo', () => {
  it('starts a server on the given port and prints its URI', async () => {
    const out = io()
    const server = await runCli(['--port', '0'], out)
    if (typeof server === 'number') throw new Error(`exited with ${server}: ${out.lines.join('\n')}`)
    try {
      expect(out.lines[0]).toContain(server.uri)
      const client = await MongoClient.connect(server.uri)
      expect(await client.db('cli').command({ ping: 1 })).toMatchObject({ ok: 1 })
      await client.close()
    } finally {
      await server.stop()
    }
  })

  it('prints usage for --help and refuses unknown flags or a bad port', async () => {
    const help = io()
    expect(await runCli(['--help'], help)).toBe(0)
    expect(help.lines).toEqual([USAGE])
    const unknown = io()
    expect(await runCli(['--nope'], unknown)).toBe(2)
    const badPort = io()
    expect(await runCli(['--port', 'abc'], badPort)).toBe(1)
    expect(badPort.lines[0]).toMatch(/^ERR scraping-run-mongo: port must be/)
  })
})
