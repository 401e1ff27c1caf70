import { cloud } from './provider.js'

export { cloud, setCloudProvider, getCloudProvider } from './provider.js'
export type { CloudProviderFactory } from './provider.js'
export { getToken, parseToken, createTokenHelpers } from './token.js'
export { CloudError } from './errors.js'
export { awslambda, sse, sseEvent } from './stream.js'
export type { AwsLambdaGlobal, LambdaHttpPrelude, LambdaResponseStream, SseEvent, SseStream } from './stream.js'
export { Aggregation, CollectionReference, command, createDatabase, Db, DbCommand, DocumentReference, Query } from './query/index.js'
export type {
  AddRes,
  AggregateRes,
  BaseResult,
  Command,
  CountRes,
  DbTransport,
  GetOneRes,
  GetRes,
  Projection,
  PushOptions,
  RemoveRes,
  UpdateOptions,
  UpdateRes,
  WithId,
} from './query/index.js'
export type { CloudErrorCode } from './errors.js'
export type {
  CloudBucket,
  CloudMongo,
  CloudSdk,
  CloudSocket,
  CloudSockets,
  CloudStorage,
  DatabaseOptions,
  FileBody,
  FileEntry,
  FileStat,
  FunctionContext,
  FunctionHandler,
  InvokeParams,
  ListFilesOptions,
  ListFilesResult,
  ParseTokenOptions,
  TokenOptions,
  TokenPayload,
  Trigger,
  TriggerKind,
  HttpTrigger,
  InvokeTrigger,
  CronTrigger,
  WebSocketTrigger,
  McpTrigger,
  InitTrigger,
  LambdaTrigger,
  UploadedFile,
  WriteFileOptions,
} from './types.js'

export default cloud
