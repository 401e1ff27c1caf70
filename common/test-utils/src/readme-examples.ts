// README examples as tests: every fenced TypeScript / JavaScript block of a README is extracted, type-checked under
// --strict as a module of the package (its own name and dependencies resolve as they would for a user), and the ones a
// test names are transpiled and run with node against the services the tests start. Imported by relative path (this
// file loads `typescript`, which the other helpers do not need).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export interface ReadmeExample {
  /** 0-based position among the README's TypeScript / JavaScript blocks. */
  index: number
  /** 1-based line of the opening fence. */
  line: number
  lang: 'ts' | 'js'
  code: string
  /**
   * Declarations for names the surrounding prose supplies (`declare const token: string`), from an HTML comment
   * `<!-- example-prelude: … -->` right above the fence: invisible on the rendered page, erased when the block runs.
   */
  prelude: string
}

const LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' }

/** The README's TypeScript and JavaScript blocks, in order. */
export async function readmeExamples(readme: URL): Promise<ReadmeExample[]> {
  const lines = (await readFile(readme, 'utf8')).split('\n')
  const examples: ReadmeExample[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]!)
    if (!open) continue
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'))
    if (end === -1) throw new Error(`${fileURLToPath(readme)}:${i + 1}: a fence that is never closed`)
    const lang = LANGS[open[1]!.toLowerCase()]
    if (lang) {
      const comment = /^<!--\s*example-prelude:([\s\S]*?)-->\s*$/.exec(lines[i - 1] ?? '')
      examples.push({ index: examples.length, line: i + 1, lang, code: lines.slice(i + 1, end).join('\n'), prelude: comment?.[1]?.trim() ?? '' })
    }
    i = end
  }
  return examples
}

export interface ExampleDir {
  dir: string
  /** Writes a file (a block, a fixture) under the directory; returns its absolute path. */
  write(path: string, text: string): Promise<string>
  /** Writes a block as TypeScript source for the type check; returns its path. */
  writeSource(example: ReadmeExample, path?: string): Promise<string>
  /** Writes a block transpiled to an ES module, after `edit` (e.g. a port); returns its path. */
  writeRunnable(example: ReadmeExample, path: string, edit?: (code: string) => string): Promise<string>
  remove(): Promise<void>
}

/**
 * A scratch directory outside the repository that resolves modules like a user's project: its node_modules links every
 * dependency of `packageDir`, the package itself under its own name, and `extra` workspace packages (built dist).
 */
export async function exampleDir(packageDir: URL, extra: Record<string, URL> = {}): Promise<ExampleDir> {
  const root = fileURLToPath(packageDir)
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { name: string }
  const dir = await mkdtemp(join(tmpdir(), 'readme-examples-'))
  const modules = join(dir, 'node_modules')
  const link = async (name: string, target: string) => {
    await mkdir(dirname(join(modules, name)), { recursive: true })
    if (!existsSync(join(modules, name))) await symlink(target, join(modules, name))
  }
  for (const name of [manifest.name, ...Object.keys(extra)]) {
    const target = name === manifest.name ? root : fileURLToPath(extra[name]!)
    if (!existsSync(join(target, 'dist'))) throw new Error(`${name} has no dist: build it first (pnpm build)`)
    await link(name, target)
  }
  const own = join(root, 'node_modules')
  for (const entry of await readdir(own)) {
    if (entry.startsWith('.')) continue
    if (!entry.startsWith('@')) await link(entry, join(own, entry))
    else for (const scoped of await readdir(join(own, entry))) await link(`${entry}/${scoped}`, join(own, entry, scoped))
  }
  await writeFile(join(dir, 'package.json'), '{"type":"module","private":true}')
  const write = async (path: string, text: string) => {
    const file = join(dir, path)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, text)
    return file
  }
  return {
    dir,
    write,
    writeSource: (example, path = `example-${example.index}.${example.lang}`) =>
      write(path, example.prelude ? `${example.prelude}\n${example.code}\n` : `${example.code}\n`),
    writeRunnable(example, path, edit = (code) => code) {
      const { outputText } = ts.transpileModule(`${example.prelude}\n${edit(example.code)}`, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      })
      return write(path, outputText)
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/** Type-checks files under --strict, as ES modules for Node with the DOM lib (browser blocks); returns the diagnostics. */
export function typecheck(files: string[], base: string): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    allowJs: true,
    checkJs: true,
  })
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    if (!diagnostic.file) return message
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    return `${relative(base, diagnostic.file.fileName)}:${line + 1}: ${message}`
  })
}

export interface RunningExample {
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

/**
 * Runs a transpiled block with node. `globals` are set on globalThis first (a browser block's `location`, say). Resolves
 * once `ready` holds (a server answering), or when the process exits 0 without a `ready`; rejects with its output on
 * a non-zero exit.
 */
export async function runExample(
  file: string,
  options: { env?: Record<string, string>; globals?: Record<string, unknown>; ready?: () => Promise<boolean>; timeoutMs?: number } = {},
): Promise<RunningExample> {
  const wrapper = `${file}.run.mjs`
  const assign = Object.entries(options.globals ?? {}).map(([name, value]) => `globalThis[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
  await writeFile(wrapper, `${assign.join('\n')}\nawait import(${JSON.stringify(`./${relative(dirname(wrapper), file)}`)})\n`)
  const child = spawn(process.execPath, [wrapper], { cwd: dirname(wrapper), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const running: RunningExample = {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill()
      // A block may handle SIGTERM by closing gracefully, which waits for idle keep-alive sockets.
      const forced = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(forced)
    },
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  if (!options.ready) {
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.timeoutMs ?? 30_000))])
    if (code === 0) return running
    await running.stop()
    throw new Error(`${relative(tmpdir(), file)} ${code === 'timeout' ? 'did not finish' : `exited with ${code}`}:\n${out}`)
  }
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${relative(tmpdir(), file)} exited with ${child.exitCode} before it was ready:\n${out}`)
    if (await options.ready().catch(() => false)) return running
    if (Date.now() > deadline) {
      await running.stop()
      throw new Error(`${relative(tmpdir(), file)} was not ready in time:\n${out}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
