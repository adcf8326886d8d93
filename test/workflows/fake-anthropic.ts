/**
 * A minimal local fake of Anthropic's Messages API (non-streaming `POST /v1/messages`), enough
 * for workflow steps routed to an `anthropic` credential through the real gateway and the
 * provider layer's translation. Replies are produced by a scripted function; requests recorded.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeAnthropic {
  url: string
  requests: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[]
  reply: (body: Record<string, unknown>) => string
  close(): Promise<void>
}

export async function startFakeAnthropic(apiKey: string): Promise<FakeAnthropic> {
  const fake = { requests: [], reply: () => 'ok' } as unknown as FakeAnthropic
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>
      fake.requests.push({ headers: req.headers, body })
      if (req.headers['x-api-key'] !== apiKey) {
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            type: 'error',
            error: { type: 'authentication_error', message: 'invalid x-api-key' },
          }),
        )
        return
      }
      const text = fake.reply(body)
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' })
      res.end(
        JSON.stringify({
          id: `msg_${Math.random().toString(36).slice(2)}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 12, output_tokens: 7 },
        }),
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () => new Promise((r) => server.close(() => r()))
  return fake
}
