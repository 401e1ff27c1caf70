// The public surface of @scraping-run/db-proxy. The Express adapter is the `./express` subpath.
export { createDbProxy } from './proxy.js'
export type { DbProxy, DbProxyOptions } from './proxy.js'
export { compilePolicy } from './policy/compile.js'
export type { CompiledPolicy } from './policy/compile.js'
export type { PolicySource } from './policy/source.js'
export { createMongoAccessor } from './accessor.js'
export type { MongoAccessor, MongoAccessorOptions } from './accessor.js'
export { createDirectTransport } from './transport.js'
export { createDatabaseProvider } from './database.js'
export type { DatabaseProvider, DatabaseProviderOptions } from './database.js'
export { normalizeCondition } from './cel.js'
export { DEFAULT_LIMITS } from './limits.js'
export { assertAllowed, assertDenied } from './assert.js'
export type { DenialExpectation } from './assert.js'
export { DbProxyError } from './errors.js'
export type { DbProxyErrorCode } from './errors.js'
export type {
  CheckResult,
  CollectionPolicy,
  CustomValidator,
  DbProxyLimits,
  FieldConstraint,
  FieldRules,
  HandleContext,
  HandleResult,
  Injector,
  ParsedRequest,
  Permission,
  Policy,
  ProxyUser,
  RuleObject,
  Rule,
  TenantResolver,
  ValidatorContext,
} from './types.js'
