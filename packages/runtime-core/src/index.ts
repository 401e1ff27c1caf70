// The public surface of @scraping-run/runtime-core. The Express adapter is the `./express` subpath.
export { RuntimeError, CompileError } from './errors.js'
export type { RuntimeErrorCode, InvokeError } from './errors.js'
export { createExecutor } from './executor.js'
export { memoryStore } from './stores/memory.js'
export type { MemoryStore } from './stores/memory.js'
export { directoryStore } from './stores/directory.js'
export type { DirectoryStoreOptions } from './stores/directory.js'
export { compileFunction } from './compiler.js'
export type { CompileInput } from './compiler.js'
export { vmSandbox } from './sandbox/vm.js'
export type { VmSandboxOptions } from './sandbox/vm.js'
export { consoleSink, memorySink } from './console.js'
export type { ConsoleSinkOptions, MemorySink } from './console.js'
export type {
  CompiledFunction,
  ConsoleBridge,
  Executor,
  ExecutorEvent,
  ExecutorOptions,
  FunctionLanguage,
  FunctionRecord,
  FunctionRecordInput,
  FunctionStore,
  FunctionStoreEvent,
  FunctionStoreListener,
  Interceptor,
  InvocationLog,
  InvokeInit,
  InvokeResult,
  LoadUnit,
  LogLevel,
  LogRecord,
  LogSink,
  MongoOption,
  Sandbox,
  SandboxCallOptions,
  SandboxHandle,
} from './types.js'
