import { ObjectId } from 'bson'
import { CloudError } from '../errors.js'
import { command, type Command } from './command.js'
import { CollectionReference } from './collection.js'
import type { DbTransport } from './types.js'

/** The LAF database-ql style database: `db.collection(name)`, `db.command`, `db.ObjectId()`. */
export class Db {
  readonly command: Command = command
  private readonly transport: DbTransport

  constructor(transport: DbTransport) {
    if (!transport || typeof transport.send !== 'function') {
      throw new CloudError('INVALID_ARGUMENT', 'the database needs a transport with send(request)')
    }
    this.transport = transport
  }

  collection<T = Record<string, unknown>>(name: string): CollectionReference<T> {
    if (typeof name !== 'string' || name.length === 0) throw new CloudError('INVALID_ARGUMENT', 'collection(name) needs a name')
    return new CollectionReference<T>(this.transport, name)
  }

  /** A new ObjectId, or one parsed from a 24-character hex string. */
  ObjectId(id?: string): ObjectId {
    return new ObjectId(id)
  }
}

/** The query builder over a transport: `createCloudClient` and runtimes use this; you usually get a `Db` from them. */
export function createDatabase(transport: DbTransport): Db {
  return new Db(transport)
}
