import { testSandbox } from '@scraping-run/test-utils'
import { createExecutor, createHttpHandler, memoryStore, vmSandbox } from '@scraping-run/runtime-core'

const runtime = { createExecutor, memoryStore, createHttpHandler }

testSandbox('vmSandbox', () => vmSandbox(), runtime)
// The same module code an isolate will run behind: the response facade and no host objects.
testSandbox('vmSandbox({ hostObjects: false })', () => vmSandbox({ hostObjects: false }), runtime)
