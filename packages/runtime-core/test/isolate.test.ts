import { testSandbox } from '@scraping-run/test-utils'
import { createExecutor, createHttpHandler, isolateSandbox, memoryStore } from '@scraping-run/runtime-core'

testSandbox('isolateSandbox', () => isolateSandbox({ warmIsolates: 1 }), { createExecutor, memoryStore, createHttpHandler })
