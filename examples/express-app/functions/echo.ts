// Echoes a message back, after checking it: {"message": "<1 to 500 characters>", "repeat"?: 1..5}.
// Invalid input answers 400 with the reasons, instead of throwing (which would be a 500).
import type { FunctionContext } from '@scraping-run/cloud'

interface EchoInput {
  message: string
  repeat?: number
}

function problems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the body must be a JSON object']
  const input = body as Record<string, unknown>
  const found: string[] = []
  if (typeof input.message !== 'string') found.push('message must be a string')
  else if (input.message.length === 0 || input.message.length > 500) found.push('message must have 1 to 500 characters')
  if (input.repeat !== undefined && (!Number.isInteger(input.repeat) || (input.repeat as number) < 1 || (input.repeat as number) > 5)) {
    found.push('repeat must be a whole number from 1 to 5')
  }
  return found
}

export default function (ctx: FunctionContext) {
  const invalid = problems(ctx.body)
  if (invalid.length > 0) {
    if (ctx.response) ctx.response.statusCode = 400
    return { error: 'invalid input', problems: invalid }
  }
  const { message, repeat = 1 } = ctx.body as EchoInput
  return { echo: Array.from({ length: repeat }, () => message).join(' ') }
}
