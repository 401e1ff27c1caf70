// Handshake, diagnostics and sessions.
import { type Document, Long } from 'bson'
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE, MAX_WRITE_BATCH_SIZE } from '../wire/codec.js'
import type { CommandContext, Handler } from './context.js'

export const SET_NAME = 'rs0'
export const VERSION = '7.0.0'
export const SESSION_TIMEOUT_MINUTES = 30

/** A single-node replica set primary, so the driver allows sessions, transactions and change streams. */
export function helloReply(context: CommandContext, legacy: boolean): Document {
  const { server } = context
  return {
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    setName: SET_NAME,
    setVersion: 1,
    hosts: [server.address],
    primary: server.address,
    me: server.address,
    secondary: false,
    electionId: server.electionId,
    lastWrite: { opTime: { ts: server.engine.clusterTime, t: Long.fromInt(1) }, lastWriteDate: new Date(), majorityWriteDate: new Date() },
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: SESSION_TIMEOUT_MINUTES,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  }
}

const ok: Handler = () => ({ ok: 1 })

const buildInfo: Handler = () => ({
  version: VERSION,
  gitVersion: 'scraping-run-mongo-embedded',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['memory'],
  modules: [],
  ok: 1,
})

const serverStatus: Handler = (context) => ({
  host: context.server.address,
  version: VERSION,
  process: 'mongod',
  pid: Long.fromNumber(process.pid),
  uptime: Math.floor((Date.now() - context.server.startedAt) / 1000),
  uptimeMillis: Long.fromNumber(Date.now() - context.server.startedAt),
  localTime: new Date(),
  storageEngine: { name: 'scraping-run-embedded', supportsCommittedReads: true, persistent: false },
  ok: 1,
})

const getParameter: Handler = (context) => {
  const reply: Document = { ok: 1 }
  const wanted = Object.keys(context.command).filter((key) => key !== 'getParameter' && !key.startsWith('$') && key !== 'lsid')
  const known: Document = { featureCompatibilityVersion: { version: '7.0' }, transactionLifetimeLimitSeconds: 60, maxBSONDepth: 100 }
  for (const key of context.command.getParameter === '*' ? Object.keys(known) : wanted) if (key in known) reply[key] = known[key]
  return reply
}

const endSessions: Handler = (context) => {
  for (const lsid of (context.command.endSessions as Document[]) ?? []) {
    const key = sessionKey(lsid)
    if (key) {
      context.server.sessions.end(key)
      context.server.cursors.killSession(key)
    }
  }
  return { ok: 1 }
}

export function sessionKey(lsid: unknown): string | undefined {
  const id = (lsid as Document | undefined)?.id as { toString(format: string): string } | undefined
  return id ? id.toString('hex') : undefined
}

export const adminCommands: Record<string, Handler> = {
  hello: (context) => helloReply(context, false),
  isMaster: (context) => helloReply(context, true),
  ismaster: (context) => helloReply(context, true),
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  serverStatus,
  getParameter,
  endSessions,
  killSessions: endSessions,
  refreshSessions: ok,
  startSession: (context) => ({ id: { id: context.command.lsid?.id }, timeoutMinutes: SESSION_TIMEOUT_MINUTES, ok: 1 }),
  hostInfo: () => ({ system: { hostname: 'localhost' }, os: { type: process.platform }, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1', ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  getCmdLineOpts: () => ({ argv: ['scraping-run-mongo'], parsed: {}, ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  listCommands: () => ({ commands: {}, ok: 1 }),
  getFreeMonitoringStatus: () => ({ state: 'disabled', ok: 1 }),
  replSetGetStatus: (context) => ({ set: SET_NAME, myState: 1, members: [{ _id: 0, name: context.server.address, stateStr: 'PRIMARY', health: 1, state: 1 }], ok: 1 }),
}
