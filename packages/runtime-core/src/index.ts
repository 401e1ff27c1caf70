// The public surface of @scraping-run/runtime-core. The Express adapter is the `./express` subpath.
export { RuntimeError, CompileError } from './errors.js'
export type { RuntimeErrorCode, InvokeError } from './errors.js'
export { createExecutor } from './executor/index.js'
export { memoryStore } from './stores/memory.js'
export type { MemoryStore } from './stores/memory.js'
export { directoryStore } from './stores/directory.js'
export type { DirectoryStoreOptions } from './stores/directory.js'
export { compileFunction } from './compiler.js'
export type { CompileInput } from './compiler.js'
export { vmSandbox } from './sandbox/vm/index.js'
export type { VmSandboxOptions } from './sandbox/vm/index.js'
export { isolateSandbox, isolateUnavailableReason } from './sandbox/isolate/index.js'
export type { IsolateSandboxOptions } from './sandbox/isolate/index.js'
export type { IsolateFetchOptions } from './sandbox/isolate/fetch.js'
export type { ResponseFacade } from './sandbox/response-facade.js'
export type { LambdaEventVersion } from './triggers/lambda/index.js'
export { createHttpHandler, TRIGGER_TOKEN_HEADER } from './triggers/http/handler.js'
export type { HttpHandler, HttpHandlerOptions } from './triggers/http/handler.js'
export type { CorsOptions } from './triggers/http/cors.js'
export { buildOpenApiDocument, openApiDocument } from './openapi/document.js'
export type { OpenApiDocument, OpenApiOptions } from './openapi/document.js'
export type { OpenApiRouteOptions } from './openapi/route.js'
export { attachWebSocket } from './triggers/websocket/index.js'
export type { WebSocketAuthenticate, WebSocketHandle, WebSocketOptions } from './triggers/websocket/index.js'
export type {
  BridgeOp,
  EntryKind,
  HostObjects,
  JsonValue,
  PlainContext,
  PlainFile,
  ResponseState,
  SandboxBridge,
  SandboxCall,
  SandboxCapabilities,
  SandboxLimits,
  SandboxModule,
} from './sandbox/protocol.js'
export { consoleSink, memorySink } from './console.js'
export type { ConsoleSinkOptions, MemorySink } from './console.js'
export type {
  CompiledFunction,
  ConsoleBridge,
  Executor,
  ExecutorEvent,
  ExecutorOptions,
  FunctionInfo,
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
} from './types.js'
export type { SinkErrorHandler } from './types.js'
export { mongoSink } from './logs/mongo-sink.js'
export type { MongoSink, MongoSinkOptions, MongoSinkStats } from './logs/mongo-sink.js'
export type { LogQuery } from './logs/query.js'
export { tracingSink } from './logs/tracing.js'
export type { TracingSink, TracingSinkOptions } from './logs/tracing.js'
export { metricsSink } from './logs/metrics.js'
export type { MetricsRegistry, MetricsSink, MetricsSinkOptions } from './logs/metrics.js'
export { createLogsHandler, createMetricsHandler } from './triggers/http/logs.js'
export type { AdminAuthenticate, AdminRouteAuth, LogsHandlerOptions, MetricsHandlerOptions } from './triggers/http/logs.js'
export { mongoStore, functionDocumentId } from './stores/mongo.js'
export type { MongoStore, MongoStoreOptions, FunctionDocument } from './stores/mongo.js'
export { lafConf } from './stores/mongo-laf.js'
export type { LafConf, LafConfOptions } from './stores/mongo-laf.js'
export type { LafFetch, LafFetchConfig, LafFetchResponse } from './laf/fetch.js'
export { functionRegistry, DEPLOY_SCHEMA_VERSION } from './deploy/registry.js'
export type { Actor, Deployment, DraftInfo, FunctionDraft, FunctionRegistry, LiveFunction, RegistryOptions } from './deploy/registry.js'
export { envRegistry, mongoEnv } from './deploy/env.js'
export type { EnvEntry, EnvRegistry, EnvRegistryOptions, LiveEnv, LiveEnvOptions } from './deploy/env.js'
export { redactingSink } from './deploy/redact.js'
export { createAdminApi } from './deploy/admin.js'
export type { AdminApi, AdminOptions, AdminPrincipal, AdminRequest, AdminResponse } from './deploy/admin.js'
export { adminRouter } from './deploy/admin-express.js'
export type { AdminRouterOptions } from './deploy/admin-express.js'
export { memoryLease } from './leases/memory.js'
export type { MemoryLeaseOptions } from './leases/memory.js'
export { mongoLease } from './leases/mongo.js'
export type { LeaseDocument, MongoLeaseOptions } from './leases/mongo.js'
export type { Lease, LeaseEntry } from './leases/types.js'
export { createScheduler } from './triggers/cron.js'
export type { CronRun, CronScheduleInput, CronSkip, ScheduleInfo, Scheduler, SchedulerOptions } from './triggers/cron.js'
export { parseSchedule } from './triggers/cron/schedule.js'
export type { ParsedSchedule, ScheduleDeclaration } from './triggers/cron/schedule.js'
