// Bench upstream: a minimal OpenAI-shaped server (loopback). Chat JSON answers at once;
// streams send a role chunk at once, then `STREAM_CHUNKS` content chunks `STREAM_GAP_MS`
// apart, then the usage chunk (when asked) and [DONE]. `hold=1` in the model name keeps a
// stream open after its first chunk until the client goes away (for the RSS test).
import http from 'node:http'

const JSON_BODY = (model) =>
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello, world!', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
  })

const chunk = (model, delta, finish, withUsage) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage: null } : {}),
  })}\n\n`

const server = http.createServer((req, res) => {
  const parts = []
  req.on('data', (c) => parts.push(c))
  req.on('end', () => {
    let body = {}
    try {
      body = JSON.parse(Buffer.concat(parts).toString())
    } catch {}
    const model = String(body.model ?? 'm')
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_bench' })
      res.end(JSON_BODY(model))
      return
    }
    const withUsage = body.stream_options?.include_usage === true
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' })
    res.write(chunk(model, { role: 'assistant', content: '' }, null, withUsage))
    if (model.includes('hold')) return // held open until the client leaves
    let i = 0
    const n = Number(process.env.STREAM_CHUNKS ?? 5)
    const gap = Number(process.env.STREAM_GAP_MS ?? 0)
    const next = () => {
      if (res.destroyed) return
      if (i < n) {
        res.write(chunk(model, { content: `w${i++} ` }, null, withUsage))
        setTimeout(next, gap)
        return
      }
      res.write(chunk(model, {}, 'stop', withUsage))
      if (withUsage) {
        res.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: { prompt_tokens: 12, completion_tokens: n, total_tokens: 12 + n } })}\n\n`,
        )
      }
      res.end('data: [DONE]\n\n')
    }
    setTimeout(next, gap)
  })
})
server.keepAliveTimeout = 60_000
server.maxConnections = 20_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ port: server.address().port })
})
