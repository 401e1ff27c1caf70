// commitTransaction / abortTransaction. Starting one happens in the dispatcher (any command with startTransaction: true).
import { CommandError } from '../engine/errors.js'
import type { Handler } from './context.js'

export const noSuchTransaction = (message = 'Transaction with { txnNumber } has been aborted.') =>
  new CommandError(251, 'NoSuchTransaction', message, {}, ['TransientTransactionError'])

const commitTransaction: Handler = (context) => {
  const session = context.session ? context.server.sessions.get(context.session) : undefined
  const txnNumber = context.command.txnNumber
  if (!session || !session.txnNumber || !txnNumber || !session.txnNumber.equals(txnNumber)) throw noSuchTransaction('Given transaction number does not match any in-progress transactions.')
  if (session.state === 'committed') return { ok: 1 } // a retried commit
  if (session.state !== 'active' || !session.transaction) throw noSuchTransaction()
  try {
    session.transaction.commit()
    session.state = 'committed'
  } catch (error) {
    context.server.sessions.abort(session)
    throw error
  } finally {
    session.transaction = undefined
  }
  return { ok: 1 }
}

const abortTransaction: Handler = (context) => {
  const session = context.session ? context.server.sessions.get(context.session) : undefined
  const txnNumber = context.command.txnNumber
  if (!session || !session.txnNumber || !txnNumber || !session.txnNumber.equals(txnNumber)) throw noSuchTransaction('Given transaction number does not match any in-progress transactions.')
  if (session.state === 'committed') throw new CommandError(256, 'TransactionCommitted', 'Transaction has been committed.')
  if (session.state !== 'active') throw noSuchTransaction()
  context.server.sessions.abort(session)
  return { ok: 1 }
}

export const transactionCommands: Record<string, Handler> = { commitTransaction, abortTransaction }
