// An API Gateway (HTTP API, payload v2) CRUD handler in the shape the ALPACO guide writes them: CORS preflight answered
// by hand, {statusCode, headers, body} results, {message, details} errors. Items live in module state here (a warm
// Lambda's memory); a real one would use a database.
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Content-Type,Authorization',
  'Access-Control-Allow-Methods': 'GET,POST,PUT,DELETE,OPTIONS',
}
const items = new Map()
let nextId = 1

const reply = (statusCode, body) => ({ statusCode, headers: { ...CORS, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
const fail = (statusCode, message, details) => reply(statusCode, { message, details })

function parse(event) {
  if (!event.body) return {}
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body
  return JSON.parse(text)
}

function validate(input) {
  const details = []
  if (typeof input.title !== 'string' || input.title.trim() === '') details.push({ field: 'title', issue: 'required' })
  if (input.level !== undefined && !['easy', 'medium', 'hard'].includes(input.level)) details.push({ field: 'level', issue: 'one of easy, medium, hard' })
  return details
}

export const handler = async (event) => {
  const method = event.requestContext.http.method
  if (method === 'OPTIONS') return { statusCode: 204, headers: CORS }
  const id = event.pathParameters?.proxy
  try {
    if (method === 'GET' && !id) return reply(200, { items: [...items.values()] })
    if (method === 'POST' && !id) {
      const input = parse(event)
      const details = validate(input)
      if (details.length) return fail(400, 'invalid problem', details)
      const item = { id: String(nextId++), title: input.title.trim(), level: input.level ?? 'easy' }
      items.set(item.id, item)
      return reply(201, item)
    }
    if (!id || !items.has(id)) return fail(404, 'problem not found', { id: id ?? null })
    if (method === 'GET') return reply(200, items.get(id))
    if (method === 'PUT') {
      const input = { ...items.get(id), ...parse(event) }
      const details = validate(input)
      if (details.length) return fail(400, 'invalid problem', details)
      items.set(id, { id, title: input.title.trim(), level: input.level })
      return reply(200, items.get(id))
    }
    if (method === 'DELETE') {
      items.delete(id)
      return { statusCode: 204, headers: CORS }
    }
    return fail(405, 'method not allowed', { method })
  } catch (error) {
    if (error instanceof SyntaxError) return fail(400, 'the body is not JSON', { error: error.message })
    return fail(500, 'internal error', { error: String(error?.message ?? error) })
  }
}
