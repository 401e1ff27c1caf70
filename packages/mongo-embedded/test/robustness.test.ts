import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { BSON, MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MongoEmbedded, startMongoEmbedded } from '@scraping-run/mongo-embedded'

// Raw sockets are the only way to send what no driver would; the embedded server is the one under test here.
let server: MongoEmbedded
let client: MongoClient

beforeAll(async () => {
  server = await startMongoEmbedded()
  client = await MongoClient.connect(server.uri)
})
afterAll(async () => {
  await client?.close()
  await server?.stop()
})

function header(length: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(16)
  buffer.writeInt32LE(length, 0)
  buffer.writeInt32LE(1, 4)
  buffer.writeInt32LE(0, 8)
  buffer.writeInt32LE(opCode, 12)
  return buffer
}

function opMsg(body: Buffer, sections: Buffer[] = []): Buffer {
  const payload = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), body, ...sections])
  return Buffer.concat([header(16 + payload.length, 2013), payload])
}

async function open(): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

/** Sends bytes and resolves with 'closed' when the server drops the connection, or the first reply bytes. */
async function exchange(bytes: Buffer, waitMs = 2000): Promise<'closed' | 'open' | Buffer> {
  const socket = await open()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy()
      resolve('open')
    }, waitMs)
    socket.once('data', (data) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(data)
    })
    socket.once('close', () => {
      clearTimeout(timer)
      resolve('closed')
    })
    socket.write(bytes)
  })
}

async function stillServes() {
  expect(await client.db('robust').command({ ping: 1 })).toMatchObject({ ok: 1 })
  await client.db('robust').collection('c').insertOne({ alive: true })
}

describe('malformed input', () => {
  it('closes only the offending connection for out-of-range declared lengths', async () => {
    expect(await exchange(header(0x7fffffff, 2013))).toBe('closed')
    expect(await exchange(header(48_000_001, 2013))).toBe('closed')
    expect(await exchange(header(8, 2013))).toBe('closed')
    expect(await exchange(header(-5, 2013))).toBe('closed')
    await stillServes()
  })

  it('closes the connection on an unknown opcode, bad BSON, or bad section', async () => {
    expect(await exchange(Buffer.concat([header(20, 9999), Buffer.alloc(4)]))).toBe('closed')
    const badBson = Buffer.from([0x10, 0, 0, 0, 0x02, 0x61, 0x00, 0xff, 0xff, 0xff, 0x7f, 0x78, 0x00, 0x00, 0x00, 0x00])
    expect(await exchange(opMsg(badBson))).toBe('closed')
    const body = Buffer.from(BSON.serialize({ ping: 1, $db: 'admin' }))
    expect(await exchange(opMsg(body, [Buffer.from([7, 1, 2, 3])]))).toBe('closed')
    expect(await exchange(opMsg(body, [Buffer.from([1, 0xff, 0xff, 0, 0])]))).toBe('closed')
    await stillServes()
  })

  it('survives random bytes and truncated frames', async () => {
    let seed = 42
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256)
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.from(Array.from({ length: 16 + (i * 37) % 300 }, random))
      await exchange(bytes, 200)
    }
    const valid = opMsg(Buffer.from(BSON.serialize({ ping: 1, $db: 'admin' })))
    expect(await exchange(valid.subarray(0, valid.length - 3), 200)).toBe('open')
    await stillServes()
  })

  it('answers a well-formed frame with nonsense values with an error, not a crash', async () => {
    const reply = await exchange(opMsg(Buffer.from(BSON.serialize({ find: 42, filter: 'x', $db: 'admin' }))))
    expect(Buffer.isBuffer(reply)).toBe(true)
    const document = BSON.deserialize((reply as Buffer).subarray(21))
    expect(document.ok).toBe(0)
    await stillServes()
  })

  it('refuses documents over 16 MiB as MongoDB does', async () => {
    const error = await client.db('robust').collection('big').insertOne({ s: 'x'.repeat(16 * 1024 * 1024) }).catch((e) => e)
    expect(error.code).toBe(10334)
    await stillServes()
  })
})
