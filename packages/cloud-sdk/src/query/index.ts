export { createDatabase, Db } from './db.js'
export { CollectionReference, DocumentReference } from './collection.js'
export { Query } from './query.js'
export { Aggregation } from './aggregate.js'
export { command, DbCommand } from './command.js'
export type { Command, PushOptions } from './command.js'
export type {
  AddRes,
  AggregateRes,
  BaseResult,
  CountRes,
  DbTransport,
  GetOneRes,
  GetRes,
  Projection,
  RemoveRes,
  UpdateOptions,
  UpdateRes,
  WithId,
} from './types.js'
