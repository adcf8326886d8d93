/**
 * A local fake of OpenAI's API (node:http, loopback only) reproducing the wire formats the
 * gateway and SDKs depend on: chat.completion JSON, the chat.completion.chunk SSE sequence
 * (role chunk, content chunks, finish chunk, the `choices: []` usage chunk when
 * `stream_options.include_usage` is set, `data: [DONE]`), embeddings (float and base64),
 * the models list, Responses API objects and events, and error bodies with OpenAI's headers.
 *
 * Faults are scripted per upstream model id: `fake.script('m', [{ kind: 'status', status: 500 }])`
 * makes the next request for model `m` fail that way; after the script runs out, requests
 * succeed. Every request is recorded (method, path, headers, body) for assertions.
 * @module
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Destroy the socket before any response byte. */
  | { kind: 'reset-before' }
  /** Stream `after` content chunks, then destroy the socket. */
  | { kind: 'reset-after'; after: number }
  /** Delay between stream chunks (or before a JSON answer). */
  | { kind: 'slow'; delayMs: number }
  /** Run `fn` (e.g. rotate a key) before answering as `answer` says. */
  | { kind: 'call'; fn: () => Promise<void>; answer: Fault }
  /** Stream `after` content chunks, then wait for `gate` (a scripted pause, not a delay). */
  | { kind: 'held'; after: number; gate: Promise<void> }
  /** Answer 302 to another location. */
  | { kind: 'redirect'; location: string }

export interface RecordedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: Record<string, unknown> | null
}

export interface FakeUpstream {
  url: string
  /** Base URL with /v1, as credentials store it. */
  baseUrl: string
  port: number
  requests: RecordedRequest[]
  /** Requests whose client went away before the response finished. */
  aborted: number
  /** Words streamed per answer (default: Hello, world, !). */
  words: string[]
  script(model: string, faults: Fault[]): void
  reset(): void
  close(): Promise<void>
}

/** A third key the fake accepts: what a credential is rotated to in tests (keys are unique per org). */
export const ROTATED_KEY = 'sk-rotated-upstream-key-5647382910'

const OPENAI_HEADERS = (): Record<string, string> => ({
  'x-request-id': `req_${Math.random().toString(16).slice(2, 14)}`,
  'openai-processing-ms': '42',
  'openai-organization': 'user-secret-org',
  'openai-version': '2020-10-01',
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-limit-tokens': '200000',
  'x-ratelimit-remaining-tokens': '199990',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-reset-tokens': '3ms',
})

export function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } }
}

function usage(prompt: number, completion: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 1,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

function promptTokens(body: Record<string, unknown>): number {
  return Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.input ?? '').length / 4))
}

export async function startFakeOpenAI(): Promise<FakeUpstream> {
  const scripts = new Map<string, Fault[]>()
  const sockets = new Set<import('node:net').Socket>()
  const fake: FakeUpstream = {
    url: '',
    baseUrl: '',
    port: 0,
    requests: [],
    aborted: 0,
    words: ['Hello', ',', ' world', '!'],
    script(model, faults) {
      scripts.set(model, [...(scripts.get(model) ?? []), ...faults])
    },
    reset() {
      scripts.clear()
      fake.requests.length = 0
      fake.aborted = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: Record<string, unknown> | null = null
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null
      } catch {
        body = null
      }
      const path = (req.url ?? '/').split('?')[0]!
      fake.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body })
      res.on('close', () => {
        if (!res.writableFinished) fake.aborted++
      })
      const model = typeof body?.model === 'string' ? body.model : ''
      const fault = scripts.get(model)?.shift() ?? { kind: 'ok' }
      void handle(req, res, path, body, fault, fake).catch(() => res.destroy())
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  fake.port = port
  fake.url = `http://127.0.0.1:${port}`
  fake.baseUrl = `${fake.url}/v1`
  return fake
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  body: Record<string, unknown> | null,
  fault: Fault,
  fake: FakeUpstream,
): Promise<void> {
  if (fault.kind === 'call') {
    await fault.fn()
    return handle(req, res, path, body, fault.answer, fake)
  }
  if (fault.kind === 'hang') return
  if (fault.kind === 'reset-before') {
    req.socket.destroy()
    return
  }
  if (fault.kind === 'redirect') {
    res.writeHead(302, { location: fault.location })
    res.end()
    return
  }
  if (fault.kind === 'status') {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...OPENAI_HEADERS(),
      ...fault.headers,
    }
    res.writeHead(fault.status, headers)
    res.end(
      JSON.stringify(
        fault.body ??
          (fault.status === 429
            ? errorBody(
                'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.',
                'requests',
                'rate_limit_exceeded',
              )
            : fault.status >= 500
              ? errorBody(
                  'The server had an error while processing your request. Sorry about that!',
                  'server_error',
                  null,
                )
              : errorBody('Invalid request', 'invalid_request_error', null)),
      ),
    )
    return
  }
  const auth = req.headers.authorization
  if (
    auth !== 'Bearer sk-fake-upstream-key-0123456789' &&
    auth !== 'Bearer sk-other-upstream-key-9876543210' &&
    auth !== `Bearer ${ROTATED_KEY}`
  ) {
    res.writeHead(401, { 'content-type': 'application/json', ...OPENAI_HEADERS() })
    res.end(
      JSON.stringify(
        errorBody(
          `Incorrect API key provided: ${String(auth).slice(7, 12)}...xyz. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_request_error',
          'invalid_api_key',
        ),
      ),
    )
    return
  }
  const delay = fault.kind === 'slow' ? fault.delayMs : 0
  if (req.method === 'GET' && path === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json', ...OPENAI_HEADERS() })
    res.end(
      JSON.stringify({
        object: 'list',
        data: ['gpt-4o-mini', 'text-embedding-3-small'].map((id) => ({
          id,
          object: 'model',
          created: 1721172741,
          owned_by: 'system',
        })),
      }),
    )
    return
  }
  if (!body) {
    res.writeHead(400, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify(
        errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null),
      ),
    )
    return
  }
  const model = String(body.model)
  if (path === '/v1/embeddings') return embeddings(res, body, model)
  if (path === '/v1/responses') return responses(res, body, model, fake)
  if (path !== '/v1/chat/completions') {
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(errorBody(`Invalid URL (POST ${path})`, 'invalid_request_error', null)))
    return
  }
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 12)}`
  const created = Math.floor(Date.now() / 1000)
  const prompt = promptTokens(body)
  const words = fake.words
  if (body.stream !== true) {
    if (delay) await sleep(delay)
    res.writeHead(200, { 'content-type': 'application/json', ...OPENAI_HEADERS() })
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: words.join(''), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage(prompt, words.length),
        service_tier: 'default',
        system_fingerprint: 'fp_560af6e559',
      }),
    )
    return
  }
  const includeUsage =
    (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...OPENAI_HEADERS(),
  })
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_560af6e559',
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`
  const write = async (s: string) => {
    if (res.destroyed) return
    if (!res.write(s)) await new Promise((r) => res.once('drain', r))
  }
  await write(
    chunk([
      {
        index: 0,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ]),
  )
  for (let i = 0; i < words.length; i++) {
    if (fault.kind === 'reset-after' && i >= fault.after) {
      // Let the client read what was sent first: an RST can discard unread received data.
      await sleep(50)
      req.socket.destroy()
      return
    }
    if (delay) await sleep(delay)
    if (fault.kind === 'held' && i === fault.after) {
      await Promise.race([fault.gate, new Promise((r) => res.once('close', r))])
    }
    if (res.destroyed) return
    await write(chunk([{ index: 0, delta: { content: words[i] }, logprobs: null, finish_reason: null }]))
  }
  await write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]))
  if (includeUsage) {
    await write(`data: ${JSON.stringify({ ...base, choices: [], usage: usage(prompt, words.length) })}\n\n`)
  }
  await write('data: [DONE]\n\n')
  res.end()
}

function embeddings(res: http.ServerResponse, body: Record<string, unknown>, model: string): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input]
  const dims = typeof body.dimensions === 'number' ? body.dimensions : 8
  const data = inputs.map((_, index) => {
    const vec = Array.from({ length: dims }, (_, i) => (i + 1) / 100)
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec
    return { object: 'embedding', index, embedding }
  })
  const prompt = promptTokens(body)
  res.writeHead(200, { 'content-type': 'application/json', ...OPENAI_HEADERS() })
  res.end(
    JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: prompt, total_tokens: prompt } }),
  )
}

function responses(
  res: http.ServerResponse,
  body: Record<string, unknown>,
  model: string,
  fake: FakeUpstream,
): void {
  const text = fake.words.join('')
  const resp = (status: string) => ({
    id: 'resp_67ccd2bed1ec8190b14f964abc054267',
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output:
      status === 'completed'
        ? [
            {
              type: 'message',
              id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e6',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text, annotations: [] }],
            },
          ]
        : [],
    usage:
      status === 'completed'
        ? {
            input_tokens: 36,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: 87,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 123,
          }
        : null,
  })
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json', ...OPENAI_HEADERS() })
    res.end(JSON.stringify(resp('completed')))
    return
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', ...OPENAI_HEADERS() })
  let seq = 0
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`
  res.write(ev('response.created', { response: resp('in_progress') }))
  res.write(
    ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: text }),
  )
  res.write(ev('response.completed', { response: resp('completed') }))
  res.end()
}
