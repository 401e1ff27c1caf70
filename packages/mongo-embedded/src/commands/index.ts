// Routes a command to its handler inside the right workspace (a transaction's or the live one) and shapes errors.
import { type Document, Long } from 'bson'
import { CommandError } from '../engine/errors.js'
import { deadlineOf } from '../engine/deadline.js'
import { SNAPSHOT_COMMANDS } from '../engine/snapshots.js'
import type { Workspace } from '../engine/workspace.js'
import { adminCommands, sessionKey } from './admin.js'
import type { CommandContext, Handler, ServerState } from './context.js'
import { bulkCommands } from './bulk.js'
import { ddlCommands } from './ddl.js'
import { readCommands } from './read.js'
import { noSuchTransaction, transactionCommands } from './transactions.js'
import { writeCommands } from './write.js'

const handlers: Record<string, Handler> = { ...adminCommands, ...writeCommands, ...readCommands, ...ddlCommands, ...transactionCommands, ...bulkCommands }
const NOT_IN_TRANSACTION = new Set(['count', 'listDatabases', 'dropDatabase', 'drop', 'renameCollection', 'dropIndexes'])
const RETRYABLE = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify', 'bulkWrite'])

// getMore's maxTimeMS is how long an awaitData cursor waits for new data (change streams), not a limit on work.
const NO_TIME_LIMIT = new Set(['getMore', 'hello', 'isMaster', 'ismaster'])

function timeLimit(name: string, command: Document): number | undefined {
  return NO_TIME_LIMIT.has(name) ? undefined : deadlineOf(command)
}

/** The snapshot a `readConcern: {level: 'snapshot'}` read outside a transaction reads from. */
function snapshotRead(server: ServerState, name: string, command: Document) {
  const readConcern = command.readConcern as Document | undefined
  if (readConcern?.level !== 'snapshot' || command.autocommit === false) return undefined
  if (!SNAPSHOT_COMMANDS.has(name)) throw new CommandError(72, 'InvalidOptions', `readConcern level 'snapshot' is not supported in the ${name} command outside transactions`)
  return server.snapshots.open(readConcern)
}

export function errorReply(error: unknown): Document {
  if (error instanceof CommandError) {
    const reply: Document = { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName, ...error.extra }
    if (error.labels.length) reply.errorLabels = error.labels
    return reply
  }
  return { ok: 0, errmsg: (error as Error)?.message ?? String(error), code: 1, codeName: 'InternalError' }
}

export async function runCommand(server: ServerState, command: Document, connectionId: number): Promise<Document> {
  const name = Object.keys(command)[0]
  const handler = name !== undefined && Object.hasOwn(handlers, name) ? handlers[name] : undefined
  let reply: Document
  if (!handler) {
    reply = { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' }
  } else {
    const db = typeof command.$db === 'string' ? command.$db : 'admin'
    const session = sessionKey(command.lsid)
    if (session) server.sessions.get(session).id = (command.lsid as Document).id
    try {
      const snapshot = snapshotRead(server, name!, command)
      reply = await execute(server, handler, name!, { server, ws: snapshot?.ws ?? server.engine, db, command, session, connectionId, deadline: timeLimit(name!, command) })
      if (snapshot && reply.ok === 1) {
        if (reply.cursor) reply.cursor.atClusterTime = snapshot.time
        else reply.atClusterTime = snapshot.time
      }
      const concern = command.writeConcern as Document | undefined
      // One node can never acknowledge w > 1: MongoDB applies the write and reports the concern as unsatisfiable.
      if (reply.ok === 1 && concern && typeof concern.w !== 'string' && Number(concern.w) > 1) {
        reply.writeConcernError = { code: 100, codeName: 'UnsatisfiableWriteConcern', errmsg: 'UnsatisfiableWriteConcern: Not enough data-bearing nodes', errInfo: { writeConcern: concern } }
      }
    } catch (error) {
      reply = errorReply(error)
    }
  }
  const clusterTime = server.engine.clusterTime
  reply.$clusterTime = { clusterTime, signature: { hash: Buffer.alloc(20), keyId: Long.ZERO } }
  reply.operationTime = clusterTime
  return reply
}

async function execute(server: ServerState, handler: Handler, name: string, context: CommandContext): Promise<Document> {
  const { command, session: key } = context
  const txnNumber = command.txnNumber
  if (!key || !Long.isLong(txnNumber) || transactionCommands[name]) return handler(context)
  const session = server.sessions.get(key)
  if (command.autocommit === false) {
    if (NOT_IN_TRANSACTION.has(name)) {
      throw new CommandError(263, 'OperationNotSupportedInTransaction', `Cannot run '${name}' in a multi-document transaction.`)
    }
    const mode = (command.$readPreference as Document | undefined)?.mode
    if (mode !== undefined && mode !== 'primary') throw new CommandError(2, 'BadValue', `read preference in a transaction must be primary`)
    let ws: Workspace | undefined
    if (command.startTransaction === true) ws = server.sessions.start(session, txnNumber)
    else if (session.state === 'active' && session.txnNumber?.equals(txnNumber)) ws = session.transaction
    if (!ws) throw noSuchTransaction()
    try {
      const reply = await handler({ ...context, ws })
      // A write error (e.g. a duplicate key) aborts the transaction, as in MongoDB.
      if (reply.writeErrors) server.sessions.abort(session)
      return reply
    } catch (error) {
      // As in MongoDB, a failed statement aborts the whole transaction.
      server.sessions.abort(session)
      throw error
    }
  }
  // A retryable write sent again (same txnNumber) gets the first reply instead of being applied twice.
  if (RETRYABLE.has(name)) {
    if (session.retry && session.retry.txnNumber.equals(txnNumber)) return session.retry.reply
    const reply = await handler(context)
    session.retry = { txnNumber, reply }
    return reply
  }
  return handler(context)
}
