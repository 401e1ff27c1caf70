// Shared helpers for the packages' tests: free ports, temp dirs and (as their issues land) the embedded MongoDB and S3 servers.
export { getFreePort, makeTempDir } from './net.js'
export { readmeErrorCodes } from './docs.js'
export { startS3 } from './s3.js'
export type { RunningS3, StartS3Options } from './s3.js'
export { MONGO_URI_KEY, startMongo, uniqueDbName, type TestMongo } from './mongo.js'
export { testFunctionStore, type ConformingStore, type StoreFixture, type SuiteApi } from './function-store.js'
export { testSandbox, type SandboxSuiteApi, type SandboxSuiteRuntime } from './sandbox.js'
export { testLogSink, type ConformingSink, type LogSinkCapabilities, type LogSinkFixture, type LogSinkSuiteApi, type LogSinkSuiteRuntime } from './log-sink.js'
