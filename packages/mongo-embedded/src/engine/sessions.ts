// Logical sessions: the transaction each one has open, and the last retryable write's reply (so a retry is not applied twice).
import type { Document, Long } from 'bson'
import type { Engine } from './workspace.js'
import { TransactionWorkspace } from './workspace.js'

export interface SessionState {
  txnNumber?: Long
  transaction?: TransactionWorkspace
  state?: 'active' | 'committed' | 'aborted'
  retry?: { txnNumber: Long; reply: Document }
  lastUsed: number
  /** The session's `lsid.id` (a UUID), for $listLocalSessions. */
  id?: unknown
}

export class Sessions {
  private readonly sessions = new Map<string, SessionState>()
  private nextTransaction = 1

  constructor(private readonly engine: Engine) {}

  get(key: string): SessionState {
    let session = this.sessions.get(key)
    if (!session) this.sessions.set(key, (session = { lastUsed: Date.now() }))
    session.lastUsed = Date.now()
    return session
  }

  start(session: SessionState, txnNumber: Long): TransactionWorkspace {
    this.abort(session)
    session.transaction = new TransactionWorkspace(this.engine, this.nextTransaction++)
    session.txnNumber = txnNumber
    session.state = 'active'
    return session.transaction
  }

  abort(session: SessionState) {
    if (session.state === 'active') session.state = 'aborted'
    session.transaction?.release()
    session.transaction = undefined
  }

  end(key: string) {
    const session = this.sessions.get(key)
    if (session) this.abort(session)
    this.sessions.delete(key)
  }

  /** Sessions unused for `idleMs` (MongoDB: logicalSessionTimeoutMinutes) are dropped with their transactions. */
  reap(idleMs: number) {
    const now = Date.now()
    for (const [key, session] of this.sessions) if (now - session.lastUsed > idleMs) this.end(key)
  }

  /** Every session this server has seen and not ended, as $listLocalSessions reports them. */
  list(): Array<{ id: unknown; lastUsed: number }> {
    return [...this.sessions.values()].filter((session) => session.id !== undefined).map((session) => ({ id: session.id, lastUsed: session.lastUsed }))
  }

  closeAll() {
    for (const key of [...this.sessions.keys()]) this.end(key)
  }
}
