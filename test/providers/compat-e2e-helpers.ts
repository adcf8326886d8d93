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
import type { CallEvent, CredentialMaterial } from '../../src/gateway/spec/v1/index.js'
import { sendJson, startSse } from '../fakes/fake-http.js'
import { type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'
import { loadChunks, sseText } from './fixture-helpers.js'

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
