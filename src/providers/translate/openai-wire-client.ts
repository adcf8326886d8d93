/**
 * Calls an OpenAI-wire Chat Completions / Embeddings endpoint and returns canonical objects
 * (used by kinds whose URL or auth differ from plain OpenAI, e.g. Azure; the plain OpenAI
 * pass-through lives in openai-compatible/). Streams end with `[DONE]`; a stream that stops
 * before any finish_reason is broken (502), an in-stream `error` payload maps to its status.
 * @module
 */
import { z } from 'zod'
import type { EmbeddingsResponse, FetchResponse, ProviderCall } from '../adapter.js'
import { readJson, send } from '../http/send.js'
import { brokenStream, upstreamError } from '../http/upstream-error.js'
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from './openai-chat.js'
import { parseSseJson, readSse } from './sse.js'

const chatSchema = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(
    z.looseObject({
      index: z.number().optional(),
      message: z.looseObject({}),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: z.looseObject({}).nullish(),
})

const embeddingsSchema = z.looseObject({
  data: z.array(z.looseObject({ index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) })),
  model: z.string().optional(),
  usage: z
    .looseObject({ prompt_tokens: z.number().optional(), total_tokens: z.number().optional() })
    .optional(),
})

export interface OpenAIWireTarget {
  provider: string
  url: string
  headers: Record<string, string>
}

export async function openAIWireChat(
  t: OpenAIWireTarget,
  body: ChatCompletionRequest,
  call: ProviderCall,
): Promise<{ response: ChatCompletion; res: FetchResponse }> {
  const res = await send(t.url, {
    provider: t.provider,
    call,
    headers: { 'content-type': 'application/json', ...t.headers },
    body: JSON.stringify({ ...body, stream: false }),
  })
  const json = await readJson(res, chatSchema, t.provider)
  return { response: json as unknown as ChatCompletion, res }
}

export async function openAIWireChatStream(
  t: OpenAIWireTarget,
  body: ChatCompletionRequest,
  call: ProviderCall,
): Promise<{ chunks: AsyncGenerator<ChatCompletionChunk>; res: FetchResponse }> {
  const res = await send(t.url, {
    provider: t.provider,
    call,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...t.headers },
    body: JSON.stringify({
      ...body,
      stream: true,
      stream_options: { ...(body.stream_options ?? {}), include_usage: true },
    }),
  })
  return { chunks: readChunks(res.body, t.provider), res }
}

async function* readChunks(
  body: ReadableStream<Uint8Array> | null,
  provider: string,
): AsyncGenerator<ChatCompletionChunk> {
  let finished = false
  for await (const msg of readSse(body, provider)) {
    if (msg.data === '[DONE]') return
    const json = parseSseJson(msg.data, provider) as Record<string, unknown>
    if (json.error) {
      const e = json.error as { code?: unknown; type?: string }
      const status = typeof e.code === 'number' ? e.code : e.type === 'rate_limit_error' ? 429 : 500
      throw upstreamError({ provider, credential: '', status, body: msg.data, headers: new Headers() })
    }
    const chunk = json as unknown as ChatCompletionChunk
    if (!Array.isArray(chunk.choices)) throw brokenStream(provider, 'chunk without choices')
    if (chunk.choices.some((c) => c.finish_reason)) finished = true
    yield chunk
  }
  if (!finished) throw brokenStream(provider, 'stream ended before a finish_reason')
}

export async function openAIWireEmbeddings(
  t: OpenAIWireTarget,
  body: Record<string, unknown>,
  call: ProviderCall,
): Promise<{ response: EmbeddingsResponse; res: FetchResponse }> {
  const res = await send(t.url, {
    provider: t.provider,
    call,
    headers: { 'content-type': 'application/json', ...t.headers },
    body: JSON.stringify(body),
  })
  const json = await readJson(res, embeddingsSchema, t.provider)
  return {
    response: {
      object: 'list',
      data: json.data.map((d) => ({ object: 'embedding', index: d.index, embedding: d.embedding })),
      model: json.model ?? String(body.model),
      usage: { prompt_tokens: json.usage?.prompt_tokens ?? 0, total_tokens: json.usage?.total_tokens ?? 0 },
    },
    res,
  }
}
