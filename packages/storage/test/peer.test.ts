import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The sources, compiled into a directory with no node_modules above it and run by a plain `node` without NODE_PATH
// (pnpm's shims set one that reaches every hoisted package): this package installed without its AWS SDK peers.
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storage-no-peer-'))
  const src = new URL('../src/', import.meta.url)
  for (const file of await readdir(src)) {
    const source = await readFile(new URL(file, src), 'utf8')
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    })
    await writeFile(join(dir, file.replace(/\.ts$/, '.js')), outputText)
  }
  await writeFile(join(dir, 'package.json'), '{"type":"module"}')
  // The package's own dependency is installed, as it would be; only the peers are missing.
  await mkdir(join(dir, 'node_modules'))
  await symlink(await realpath(fileURLToPath(new URL('../node_modules/mime-types', import.meta.url))), join(dir, 'node_modules', 'mime-types'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function runIsolated(script: string): Promise<unknown> {
  const env = { ...process.env }
  delete env.NODE_PATH
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env })
  return JSON.parse(stdout)
}

describe('without @aws-sdk/client-s3', () => {
  it('imports, builds a storage, validates keys and URLs, then fails on first use with MISSING_PEER naming the package', async () => {
    const result = await runIsolated(`
      import { createStorage, StorageError } from './index.js'
      const storage = createStorage({ endpoint: 'http://127.0.0.1:9' })
      const bucket = storage.bucket('files')
      const out = { url: bucket.internalUrl('a b.txt'), errors: [] }
      const attempts = [() => bucket.readFile('a.txt'), () => bucket.getUploadUrl('a.txt'), async () => storage.client, () => bucket.readFile('../a')]
      for (const attempt of attempts) {
        try { await attempt(); out.errors.push('no error') }
        catch (error) { out.errors.push({ is: StorageError.is(error), code: error.code, message: error.message }) }
      }
      console.log(JSON.stringify(out))
    `)
    expect(result).toEqual({
      url: 'http://127.0.0.1:9/files/a%20b.txt',
      errors: [
        ...Array.from({ length: 3 }, () => ({
          is: true,
          code: 'MISSING_PEER',
          message: expect.stringContaining('npm install @aws-sdk/client-s3'),
        })),
        // Key validation comes first and needs no SDK.
        { is: true, code: 'INVALID_KEY', message: expect.any(String) },
      ],
    })
  })
})
