// Node-only: the request-body reader the runtime and the database proxy share, so both inflate `Content-Encoding` and
// apply the size cap the same way. It lives here because both packages depend on @scraping-run/cloud and on nothing else
// of each other. Errors are built by the caller, so each package answers with its own error class and codes.
import type { IncomingMessage } from 'node:http'
import type { Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'

/** Why a body could not be read: over the cap (`PAYLOAD_TOO_LARGE`), or malformed or cut off (`BAD_REQUEST`). */
export type BodyErrorKind = 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST'

/** Builds the error `readRawBody` rejects with. */
export type BodyErrorFactory = (kind: BodyErrorKind, message: string, cause?: unknown) => Error

const defaultError: BodyErrorFactory = (kind, message, cause) => Object.assign(new Error(message, { cause }), { code: kind })

/** The body stream, inflated when it is sent compressed (the cap then applies to the inflated size). */
function decoded(req: IncomingMessage, fail: BodyErrorFactory): IncomingMessage | Transform {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity' || encoding === '') return req
  const inflate = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined
  if (!inflate) throw fail('BAD_REQUEST', `unsupported content-encoding "${encoding}" (use gzip, deflate, br or identity)`)
  req.pipe(inflate)
  return inflate
}

/**
 * Reads a request body into a Buffer, inflating gzip / deflate / br. Rejects with `fail('PAYLOAD_TOO_LARGE', …)` as soon as
 * the declared or the inflated size passes `limit` (the rest of the upload is drained, not kept, so the client can still
 * read the 413), and with `fail('BAD_REQUEST', …)` for an unknown encoding, a corrupt stream or a client that went away.
 */
export function readRawBody(req: IncomingMessage, limit: number, fail: BodyErrorFactory = defaultError): Promise<Buffer> {
  const tooLarge = () => fail('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${limit} bytes`)
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge())
  let source: IncomingMessage | Transform
  try {
    source = decoded(req, fail)
  } catch (error) {
    return Promise.reject(error)
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        // Stop inflating (a compressed body may be a bomb), and drop the rest of the upload so the connection can answer 413.
        if (source !== req) {
          req.unpipe(source as Transform)
          source.destroy()
        }
        req.resume()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(fail('BAD_REQUEST', `could not read the request body: ${error.message}`, error))
    }
    // A client that goes away mid-body: settle, so nothing waits forever.
    const onClose = () => {
      if (req.complete) return
      cleanup()
      reject(fail('BAD_REQUEST', 'the client closed the request before sending the whole body'))
    }
    const cleanup = () => {
      source.off('data', onData)
      source.off('end', onEnd)
      source.off('error', onError)
      req.off('close', onClose)
    }
    source.on('data', onData)
    source.on('end', onEnd)
    source.on('error', onError)
    req.on('close', onClose)
  })
}

/** What `readJsonBody` gives: the parsed value (`undefined` for an empty body), or the answer a JSON API sends instead. */
export type JsonBodyResult = { value: unknown } | { error: string; code: BodyErrorKind; status: 400 | 413 }

/**
 * A JSON body through `readRawBody` (same cap, same inflating), for hosts' small JSON APIs (admin, console): never
 * rejects; a body over the cap is `{code: 'PAYLOAD_TOO_LARGE', status: 413}`, a broken or non-JSON one `BAD_REQUEST`, 400.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBodyResult> {
  let raw: Buffer
  try {
    raw = await readRawBody(req, limit)
  } catch (error) {
    const code: BodyErrorKind = (error as { code?: unknown }).code === 'PAYLOAD_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST'
    return { error: (error as Error).message, code, status: code === 'PAYLOAD_TOO_LARGE' ? 413 : 400 }
  }
  if (raw.length === 0) return { value: undefined }
  try {
    return { value: JSON.parse(raw.toString('utf8')) }
  } catch {
    return { error: 'the body is not valid JSON', code: 'BAD_REQUEST', status: 400 }
  }
}
