import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { getFreePort } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'

const serverFile = fileURLToPath(new URL('../src/server.js', import.meta.url))

describe('demo server', () => {
  it('serves /health on PORT, prints its URLs, and stops cleanly on SIGTERM', async () => {
    const port = await getFreePort()
    const child = spawn(process.execPath, [serverFile], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    try {
      await waitFor(() => output.includes('Press Ctrl-C'), 15_000, () => output)
      expect(output).toContain(`http://127.0.0.1:${port}/health`)
      const response = await fetch(`http://127.0.0.1:${port}/health`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ ok: true })
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
  })
})

async function waitFor(check: () => boolean, timeoutMs: number, describe: () => string) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
