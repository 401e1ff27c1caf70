// A streaming chatbot handler behind a function URL, as the ALPACO guide streams its answers: awslambda.streamifyResponse
// and HttpResponseStream.from, Server-Sent Events written as tokens come. The "model" is a fake token generator.
export const meta = { lambda: { event: 'url' } }

async function* fakeTokens(prompt, signal) {
  const words = `You asked: "${prompt}". Here is a streamed answer, one token at a time.`.split(' ')
  for (const word of words) {
    if (signal.aborted) return
    await new Promise((resolve) => setTimeout(resolve, 10))
    yield `${word} `
  }
}

// `awslambda` is a global, as on Lambda's Node runtime.
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' },
  })
  if (event.requestContext.http.method === 'OPTIONS') return stream.end()
  let prompt = ''
  try {
    prompt = JSON.parse(event.body ?? '{}').message ?? ''
  } catch {
    stream.write(`event: error\ndata: ${JSON.stringify({ message: 'the body is not JSON', details: null })}\n\n`)
    return stream.end()
  }
  const controller = { aborted: false }
  responseStream.on('close', () => (controller.aborted = true))
  let index = 0
  for await (const token of fakeTokens(prompt, controller)) {
    stream.write(`id: ${index++}\nevent: token\ndata: ${JSON.stringify({ token })}\n\n`)
  }
  stream.write('data: [DONE]\n\n')
  stream.end()
})
