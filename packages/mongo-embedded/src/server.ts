// The TCP server: one frame reader per connection, commands run in order per connection (as mongod does), and anything
// malformed closes that connection only.
import { createServer, type Socket } from 'node:net'
import { type Document, ObjectId } from 'bson'
import { ChangeHub } from './changes/hub.js'
import { SESSION_TIMEOUT_MINUTES } from './commands/admin.js'
import type { ServerState } from './commands/context.js'
import { errorReply, runCommand } from './commands/index.js'
import { Cursors } from './engine/cursors.js'
import { Snapshots } from './engine/snapshots.js'
import { Sessions } from './engine/sessions.js'
import { Engine } from './engine/workspace.js'
import { MongoEmbeddedError } from './errors.js'
import { openPersistence } from './persistence/index.js'
import { decodeFrame, encodeMsg, encodeReply, FrameError, FrameReader } from './wire/codec.js'

export interface MongoEmbeddedOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string
  /** Directory for the data files. Without it, data lives in memory only. */
  dbPath?: string
}

export interface MongoEmbedded {
  /** A `mongodb://` connection string for the driver. */
  readonly uri: string
  readonly port: number
  readonly host: string
  /** Closes every connection, writes a snapshot when persisting, and stops listening. */
  stop(): Promise<void>
}

function validate(options: MongoEmbeddedOptions) {
  const { port = 0, host = '127.0.0.1', dbPath } = options
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MongoEmbeddedError('INVALID_OPTIONS', `port must be an integer from 0 to 65535, got ${String(port)}`)
  if (typeof host !== 'string' || host === '') throw new MongoEmbeddedError('INVALID_OPTIONS', 'host must be a non-empty string')
  if (dbPath !== undefined && (typeof dbPath !== 'string' || dbPath === '')) throw new MongoEmbeddedError('INVALID_OPTIONS', 'dbPath must be a non-empty string')
  return { port, host, dbPath }
}

/** Starts a MongoDB-compatible server for development and tests. Not for production. */
export async function startMongoEmbedded(options: MongoEmbeddedOptions = {}): Promise<MongoEmbedded> {
  const { port, host, dbPath } = validate(options)
  const engine = new Engine()
  const persistence = dbPath ? await openPersistence(dbPath, engine) : undefined
  const cursors = new Cursors()
  const sessions = new Sessions(engine)
  const changes = new ChangeHub(engine)
  const sockets = new Set<Socket>()
  let connections = 0

  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket)
    const connectionId = ++connections
    const reader = new FrameReader()
    let queue = Promise.resolve()
    socket.on('error', () => socket.destroy())
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (chunk) => {
      let frames: Buffer[]
      try {
        frames = reader.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const frame of frames) queue = queue.then(() => handle(socket, frame, connectionId))
    })
  })

  const handle = async (socket: Socket, frame: Buffer, connectionId: number) => {
    if (socket.destroyed) return
    try {
      const request = decodeFrame(frame)
      if (request.kind === 'query') {
        const body = (request.query.$query as Document | undefined) ?? request.query
        const reply = request.collection.endsWith('.$cmd')
          ? await runCommand(state, { ...body, $db: request.collection.slice(0, -5) }, connectionId)
          : { ok: 0, errmsg: 'OP_QUERY is only supported for commands', code: 352, codeName: 'UnsupportedOpQueryCommand' }
        send(socket, () => encodeReply(request.requestId, reply), (error) => encodeReply(request.requestId, errorReply(error)))
        return
      }
      const reply = await runCommand(state, request.body, connectionId)
      if (!request.moreToCome) send(socket, () => encodeMsg(request.requestId, reply), (error) => encodeMsg(request.requestId, errorReply(error)))
    } catch (error) {
      // Only a broken frame gets here (commands turn their own errors into replies): drop this connection.
      if (!(error instanceof FrameError)) process.emitWarning(`mongo-embedded: closing a connection after ${(error as Error)?.message}`)
      socket.destroy()
    }
  }

  const send = (socket: Socket, encode: () => Buffer, encodeError: (error: unknown) => Buffer) => {
    let buffer: Buffer
    try {
      buffer = encode()
    } catch (error) {
      buffer = encodeError(error)
    }
    if (!socket.destroyed) socket.write(buffer)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new MongoEmbeddedError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error })))
    server.listen(port, host, () => resolve())
  }).catch(async (error) => {
    await persistence?.close()
    throw error
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  // Clients must reach the advertised address, so a wildcard bind advertises loopback.
  const advertisedHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const state: ServerState = { engine, cursors, sessions, changes, snapshots: new Snapshots(engine), address: `${advertisedHost}:${actualPort}`, startedAt: Date.now(), electionId: new ObjectId() }
  const reaper = setInterval(() => {
    cursors.reap()
    sessions.reap(SESSION_TIMEOUT_MINUTES * 60_000)
  }, 60_000)
  reaper.unref()

  let stopped: Promise<void> | undefined
  return {
    uri: `mongodb://${advertisedHost}:${actualPort}/?replicaSet=rs0`,
    port: actualPort,
    host,
    stop() {
      stopped ??= (async () => {
        clearInterval(reaper)
        changes.close()
        cursors.closeAll()
        sessions.closeAll()
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        for (const socket of sockets) socket.destroy()
        await closed
        await persistence?.close()
      })()
      return stopped
    },
  }
}
