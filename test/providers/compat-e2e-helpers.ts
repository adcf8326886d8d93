/**
 * End-to-end setup for the OpenAI-wire kinds with their own fixtures (mistral, qwen, zhipu,
 * moonshot, ollama, lmstudio): a small fake upstream (node:http on 127.0.0.1) whose answers each
 * test file writes from its provider's rules and fixtures, the running gateway with credentials
 * pointing at it, and the official `openai` and `@anthropic-ai/sdk` clients calling the gateway.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Anthropic from '@anthropic-ai/sdk'
import type { LightMyRequestResponse } from 'fastify'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import type { CallEvent, CredentialMaterial } from '../../src/gateway/spec/v1/index.js'
import { sendJson, startSse } from '../fakes/fake-http.js'
import { credential, type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'
import { loadChunks, loadJson, sseText } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL, WEATHER_TOOL } from './provider-env.js'

// biome-ignore lint/suspicious/noExplicitAny: upstream request bodies are free-form JSON read by assertions
export type Body = Record<string, any>

/** A request the fake upstream received (the JSON body parsed; `{}` when empty). */
export interface UpstreamRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: Body
}

/** How the fake upstream answers. */
export interface Reply {
  json(status: number, payload: unknown, headers?: Record<string, string>): void
  /** A 200 event stream: one `data:` event per payload, then `data: [DONE]`. */
  sse(payloads: unknown[]): void
}

/** A test file's fake provider: checks a request as the provider would and answers it. */
export type Answer = (req: UpstreamRequest, reply: Reply) => void

export interface FakeCompatUpstream {
  /** http://127.0.0.1:port, no path. */
  url: string
  /** Every request, in order. */
  requests: UpstreamRequest[]
  last(): UpstreamRequest
  close(): Promise<void>
}

/** Starts a fake upstream that records every request and answers it with `answer`. */
export async function startFakeUpstream(answer: Answer): Promise<FakeCompatUpstream> {
  const requests: UpstreamRequest[] = []
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => {
      raw += c
    })
    req.on('end', () => {
      const seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: (raw ? JSON.parse(raw) : {}) as Body,
      }
      requests.push(seen)
      answer(seen, {
        json: (status, payload, headers) => sendJson(res, status, payload, headers),
        sse: (payloads) => {
          startSse(res)
          res.end(sseText(payloads, { done: true }))
        },
      })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    last: () => requests.at(-1)!,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/**
 * A stream fixture's chunks as sent for `body`: its trailing `choices: []` usage chunk only
 * under `stream_options.include_usage`.
 */
export function streamChunks<T extends { choices: unknown[] }>(kind: string, name: string, body: Body): T[] {
  const include = body.stream_options?.include_usage === true
  return loadChunks<T>(kind, name).filter((c) => include || c.choices.length > 0)
}

export interface CompatE2E extends GatewayTestEnv {
  /** The provider's fake (`fake` is the gateway env's own OpenAI fake, unused here). */
  upstream: FakeCompatUpstream
  /** Both SDKs call the gateway with the member token, without retries. */
  openai: OpenAI
  anthropic: Anthropic
  lastUpstream(): UpstreamRequest
  lastEvent(): CallEvent
  /** POST /api/v1/credentials as the owner. */
  postCredential(payload: Record<string, unknown>): Promise<LightMyRequestResponse>
}

/**
 * The fake upstream answering with `answer`, and the gateway listening on loopback. With
 * `creds`, the gateway finds credentials in that in-memory list (given the fake's URL); without,
 * in the vault, where the test creates them through the credential API (`postCredential`).
 */
export async function compatE2E(
  answer: Answer,
  opts: { creds?: (upstreamUrl: string) => CredentialMaterial[] } = {},
): Promise<CompatE2E> {
  const upstream = await startFakeUpstream(answer)
  const { creds } = opts
  const env = await gatewayEnv('sqlite', {
    ...(creds ? { creds: () => creds(upstream.url) } : {}),
    setup: (rt) => {
      // gatewayEnv puts an in-memory list in front of the vault; without one, back to the vault.
      if (!creds) rt.credentials = rt.vault.cache
    },
  })
  return {
    ...env,
    upstream,
    openai: new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 }),
    lastUpstream: () => upstream.last(),
    lastEvent: () => env.events().at(-1)!,
    postCredential: (payload) =>
      env.app.inject({ method: 'POST', url: '/api/v1/credentials', headers: env.auth('owner'), payload }),
    async close() {
      await env.close()
      await upstream.close()
    },
  }
}

export type AnthropicAPIError = InstanceType<typeof Anthropic.APIError>

/** The error a call fails with (an SDK's APIError; OpenAI's unless told); a call that succeeds fails the test. */
export function rejection<E = InstanceType<typeof OpenAI.APIError>>(call: PromiseLike<unknown>): Promise<E> {
  return Promise.resolve(call).then(
    () => {
      throw new Error('expected failure')
    },
    (e: E) => e,
  )
}

/** An openai SDK chat stream read to the end: text, last finish reason, usage, and the chunks. */
export async function readChatStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let text = ''
  let finish: string | null = null
  let usage: OpenAI.CompletionUsage | undefined
  const chunks: OpenAI.ChatCompletionChunk[] = []
  for await (const chunk of stream) {
    chunks.push(chunk)
    text += chunk.choices[0]?.delta.content ?? ''
    finish = chunk.choices[0]?.finish_reason ?? finish
    if (chunk.usage) usage = chunk.usage
  }
  return { text, finish, usage, chunks }
}

/** A one-message user turn. */
export const user = (content: string) => ({ role: 'user' as const, content })
/** The question every weather-tool test asks. */
export const PARIS = user('Weather in Paris?')
/** The throwaway conversation of a call expected to fail. */
export const X = [user('x')]
/** The tool turn answering a Chat tool call `id`. */
export const toolReply = (id: string) => ({ role: 'tool' as const, tool_call_id: id, content: '{"temp":18}' })

type ChatClient = Pick<CompatE2E, 'openai'>
type MessagesClient = Pick<CompatE2E, 'anthropic'>
type OpenAIAPIError = InstanceType<typeof OpenAI.APIError>

/** A streamed chat call through the openai SDK, read to the end (see readChatStream). */
export async function streamChat(
  env: ChatClient,
  params: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream'>,
) {
  return readChatStream(await env.openai.chat.completions.create({ ...params, stream: true }))
}

/** A chat call through the openai SDK that fails (one throwaway message unless `extra` says otherwise). */
export function failChat(env: ChatClient, model: string, extra: Body = {}) {
  return rejection(env.openai.chat.completions.create({ model, messages: X, ...extra }))
}

/** A failing chat call: the model, the status, a part of the message (and extra body fields). */
export type ChatErrorCase = [model: string, status: number, reason?: string, extra?: Body]

/** Each case, in order, fails through the openai SDK with its status and reason; the errors. */
export async function expectChatErrors(env: ChatClient, cases: ChatErrorCase[]) {
  const errors: OpenAIAPIError[] = []
  for (const [model, status, reason, extra] of cases) {
    const e = await failChat(env, model, extra)
    expect(e.status, model).toBe(status)
    if (reason !== undefined) expect(e.message).toContain(reason)
    errors.push(e)
  }
  return errors
}

/** A /v1/messages stream through the anthropic SDK, assembled. */
export function streamMessage(env: MessagesClient, params: Anthropic.MessageStreamParams) {
  return env.anthropic.messages.stream(params).finalMessage()
}

/**
 * A /v1/messages call through the anthropic SDK that fails (max_tokens 10, one throwaway message,
 * unless `extra` says otherwise).
 */
export function failMessages(
  env: MessagesClient,
  model: string,
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
) {
  return rejection<AnthropicAPIError>(
    env.anthropic.messages.create({ model, max_tokens: 10, messages: X, ...extra }),
  )
}

/** A failing /v1/messages call: the model, the status and the Anthropic error type. */
export type MessagesErrorCase = [model: string, status: number, type: string]

/** Each case, in order, fails in Anthropic shape with its status and error type; the errors. */
export async function expectMessagesErrors(env: MessagesClient, cases: MessagesErrorCase[]) {
  const errors: AnthropicAPIError[] = []
  for (const [model, status, type] of cases) {
    const e = await failMessages(env, model)
    expect(e, model).toMatchObject({ status, error: { type: 'error', error: { type } } })
    errors.push(e)
  }
  return errors
}

/** No error body shows any of `secrets`. */
export function expectNoSecrets(errors: { error?: unknown }[], ...secrets: string[]) {
  for (const e of errors) for (const s of secrets) expect(JSON.stringify(e.error)).not.toContain(s)
}

/** A choice that ends calling get_weather({location: "Paris"}) under `id`; the call. */
export function expectWeatherCall(choice: OpenAI.ChatCompletion.Choice | undefined, id: string) {
  expect(choice?.finish_reason).toBe('tool_calls')
  const call = choice?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall | undefined
  if (!call) throw new Error('no call')
  expect(call).toMatchObject({ id, function: { name: 'get_weather' } })
  expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
  return call
}

/** One delta field (`reasoning`, `reasoning_content`, …) of a read chat stream's chunks, joined. */
export function joinDeltas(chunks: OpenAI.ChatCompletionChunk[], field: string): string {
  return chunks
    .map((c) => (c.choices[0]?.delta as Record<string, string> | undefined)?.[field] ?? '')
    .join('')
}

/** The tool_use block of an answer that stopped for it. */
export function toolUseOf(msg: Anthropic.Message): Anthropic.ToolUseBlock {
  expect(msg.stop_reason).toBe('tool_use')
  const use = msg.content.find((b) => b.type === 'tool_use')
  if (use?.type !== 'tool_use') throw new Error('no tool_use')
  return use
}

/** An answer that thought `thinking`, then called get_weather({location: "Paris"}) under `id`. */
export function expectThinkingThenWeather(msg: Anthropic.Message, thinking: string, id: string) {
  expect(msg.content).toEqual([
    expect.objectContaining({ type: 'thinking', thinking }),
    { type: 'tool_use', id, name: 'get_weather', input: { location: 'Paris' } },
  ])
  expect(msg.stop_reason).toBe('tool_use')
}

/** `ask`, the assistant's `content` calling tool `id`, and the tool's result (18C) in a user turn. */
export function withToolResult(
  ask: Anthropic.MessageParam,
  content: Anthropic.MessageParam['content'],
  id: string,
): Anthropic.MessageParam[] {
  return [
    ask,
    { role: 'assistant', content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: '18C' }] },
  ]
}

/** A test file's credentials by name: the base path on the fake (after its URL) and the key, if any. */
export type CredentialSpecs = Record<string, [path: string, apiKey?: string]>

/**
 * Where a test file's gateway finds its credentials: `memory`, an in-memory list; `api`, the
 * vault, where they are created through the credential API (scope org) before the tests.
 */
export type CredentialSetup = { memory: CredentialSpecs } | { api: CredentialSpecs }

/** A test file's environment, with the calls and checks its tests share. */
export interface CompatSuite extends CompatE2E {
  /** The credential API's answer to each credential created through it, by name. */
  stored: Record<string, LightMyRequestResponse>
  /**
   * The credential API took every credential created through it: 201, `match` and the base URL
   * (without a trailing slash) in the view, `last4: null` for a key-less one, no key in the
   * answer. The loopback fake is reachable because LATCHKEY_EGRESS defaults to `open`.
   */
  expectStoredCredentials(match: Record<string, unknown>): void
  /**
   * The last upstream request went to `path` with `key` as Bearer (no Authorization at all
   * without one), and the member's Latchkey token is nowhere in its headers.
   */
  expectUpstreamAuth(path: string, key?: string): UpstreamRequest
  /** The last call was metered ok with `usage` (and `more` of the event). */
  expectMetered(usage: Record<string, number>, more?: Partial<CallEvent>): void
  /** The functions of the same names, on this environment's clients. */
  streamChat(
    params: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream'>,
  ): ReturnType<typeof readChatStream>
  failChat(model: string, extra?: Body): Promise<OpenAIAPIError>
  expectChatErrors(cases: ChatErrorCase[]): Promise<OpenAIAPIError[]>
  streamMessage(params: Anthropic.MessageStreamParams): Promise<Anthropic.Message>
  failMessages(
    model: string,
    extra?: Partial<Anthropic.MessageCreateParamsNonStreaming>,
  ): Promise<AnthropicAPIError>
  expectMessagesErrors(cases: MessagesErrorCase[]): Promise<AnthropicAPIError[]>
  /**
   * The Paris question (or other `messages`) with WEATHER_TOOL, streamed and assembled by the
   * openai SDK's helper, ends calling get_weather under `id` (see expectWeatherCall); the call.
   */
  expectStreamedWeatherCall(
    model: string,
    id: string,
    messages?: OpenAI.ChatCompletionMessageParam[],
  ): Promise<OpenAI.ChatCompletionMessageFunctionToolCall>
  /**
   * The openai SDK's tool round trip: the Paris question with WEATHER_TOOL (and `extra`), the call
   * checked (expectWeatherCall), the SDK's own message and the tool's result sent back (with the
   * tool again under `toolsAgain`).
   */
  chatToolRoundTrip(
    model: string,
    id: string,
    opts?: {
      toolsAgain?: boolean
      extra?: Omit<Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>, 'stream'>
    },
  ): Promise<{
    choice: OpenAI.ChatCompletion.Choice
    call: OpenAI.ChatCompletionMessageFunctionToolCall
    messages: OpenAI.ChatCompletionMessageParam[]
    second: OpenAI.ChatCompletion
  }>
  /**
   * The Paris question with ANTHROPIC_WEATHER_TOOL through the anthropic SDK, streamed and
   * assembled (max_tokens 1024 unless `extra` says otherwise).
   */
  streamMessagesWeather(
    model: string,
    extra?: Partial<Anthropic.MessageStreamParams>,
  ): Promise<Anthropic.Message>
}

function suiteOf(env: CompatE2E, posted: CredentialSpecs, stored: CompatSuite['stored']): CompatSuite {
  return {
    ...env,
    stored,
    expectStoredCredentials(match) {
      for (const [name, [path, apiKey]] of Object.entries(posted)) {
        const res = stored[name]!
        expect(res.statusCode, res.body).toBe(201)
        const baseUrl = `${env.upstream.url}${path}`.replace(/\/$/, '')
        expect(res.json()).toMatchObject({ ...match, baseUrl, ...(apiKey ? {} : { last4: null }) })
        if (apiKey) expect(res.body).not.toContain(apiKey)
      }
      expect(env.config.egress).toBe('open')
    },
    expectUpstreamAuth(path, key) {
      const up = env.lastUpstream()
      expect(up.path).toBe(path)
      if (key === undefined) expect(up.headers).not.toHaveProperty('authorization')
      else expect(up.headers.authorization).toBe(`Bearer ${key}`)
      expect(JSON.stringify(up.headers)).not.toContain(env.tokens.member)
      return up
    },
    expectMetered(usage, more = {}) {
      expect(env.lastEvent()).toMatchObject({ status: 'ok', ...more, usage })
    },
    streamChat: (params) => streamChat(env, params),
    failChat: (model, extra) => failChat(env, model, extra),
    expectChatErrors: (cases) => expectChatErrors(env, cases),
    streamMessage: (params) => streamMessage(env, params),
    failMessages: (model, extra) => failMessages(env, model, extra),
    expectMessagesErrors: (cases) => expectMessagesErrors(env, cases),
    async expectStreamedWeatherCall(model, id, messages = [PARIS]) {
      const stream = env.openai.chat.completions.stream({ model, messages, tools: [WEATHER_TOOL] })
      return expectWeatherCall((await stream.finalChatCompletion()).choices[0], id)
    },
    async chatToolRoundTrip(model, id, opts = {}) {
      const messages: OpenAI.ChatCompletionMessageParam[] = [PARIS]
      const chat = env.openai.chat.completions
      const first = await chat.create({ model, messages, tools: [WEATHER_TOOL], ...opts.extra })
      const choice = first.choices[0]!
      const call = expectWeatherCall(choice, id)
      messages.push(choice.message, toolReply(call.id))
      const second = await chat.create({
        model,
        messages,
        ...(opts.toolsAgain ? { tools: [WEATHER_TOOL] } : {}),
      })
      return { choice, call, messages, second }
    },
    streamMessagesWeather: (model, extra) =>
      streamMessage(env, {
        model,
        max_tokens: 1024,
        tools: [ANTHROPIC_WEATHER_TOOL],
        messages: [PARIS],
        ...extra,
      }),
  }
}

/**
 * A test file's environment (see compatE2E and CompatSuite), with `credentials` of `provider`
 * pointing at the fake: set up before its tests, closed after them, and the fake's request log
 * emptied before each test. The value returned stands for the environment once it is up.
 */
export function compatSuite(answer: Answer, provider: string, credentials: CredentialSetup): CompatSuite {
  const at = (url: string, path: string) => `${url}${path}`
  let env: CompatSuite | undefined
  beforeAll(async () => {
    const memory = 'memory' in credentials ? Object.entries(credentials.memory) : undefined
    const creds = memory
      ? (url: string) =>
          memory.map(([name, [path, apiKey]]) => credential(name, at(url, path), { provider, apiKey }))
      : undefined
    const base = await compatE2E(answer, { creds })
    const posted = 'api' in credentials ? credentials.api : {}
    const stored: CompatSuite['stored'] = {}
    for (const [name, [path, apiKey]] of Object.entries(posted)) {
      const payload = { name, provider, baseUrl: at(base.upstream.url, path), scope: 'org' }
      stored[name] = await base.postCredential(apiKey ? { ...payload, apiKey } : payload)
    }
    env = suiteOf(base, posted, stored)
  })
  afterAll(() => env?.close())
  beforeEach(() => {
    if (env) env.upstream.requests.length = 0
  })
  return new Proxy({} as CompatSuite, {
    get(_, key) {
      if (!env) throw new Error('the compat e2e environment is not up yet')
      return Reflect.get(env, key)
    },
  })
}

/**
 * Answers with a recorded fixture of `kind`: `<json>.json`, or the whole `<chunks>` stream when
 * the body asks to stream.
 */
export function replyRecorded(reply: Reply, kind: string, body: Body, json: string, chunks = json) {
  if (body.stream !== true) return reply.json(200, loadJson(kind, json))
  reply.sse(loadChunks(kind, chunks))
}
