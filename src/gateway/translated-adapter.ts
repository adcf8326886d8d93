/**
 * Bridge from the provider layer's translation adapters (`src/providers/adapter.ts`: canonical
 * Chat objects in and out, AppError on failure, fetch injected) to the gateway's byte-level
 * seam (`provider-adapter.ts`). Translated kinds thereby get the same routing, retries,
 * breakers, budgets, egress guard and metering as the OpenAI-wire pass-through.
 * @module
 */

import type { Dispatcher } from 'undici'
import type { FetchLike, ProviderCall, ProviderAdapter as TranslationAdapter } from '../providers/adapter.js'
import { requestFetch } from '../providers/http/request-fetch.js'
import { openAICompatibleAdapter } from '../providers/openai-compatible/openai-compatible-adapter.js'
import type { ChatCompletionRequest } from '../providers/translate/openai-chat.js'
import { warningHeaders } from '../providers/translate/translate-context.js'
import type { ProviderAdapter, StreamEvent, UpstreamRequest, UpstreamResponse } from './provider-adapter.js'
import type { CredentialMaterial } from './spec/v1/index.js'

function jsonResponse(status: number, headers: Record<string, string>, body: unknown): UpstreamResponse {
  const text = JSON.stringify(body)
  return {
    status,
    headers,
    text: async () => text,
    parsed: body,
    events: () => {
      throw new Error('not a stream')
    },
    discard: () => {},
  }
}

async function* chunkEvents(chunks: AsyncIterable<unknown>): AsyncGenerator<StreamEvent> {
  for await (const c of chunks) yield { data: JSON.stringify(c) }
  yield { data: '[DONE]' }
}

/** One fetch per egress dispatcher (there are a few: one per policy), not one per call. */
const fetchers = new WeakMap<Dispatcher, FetchLike>()
function fetchFor(dispatcher: Dispatcher): FetchLike {
  let f = fetchers.get(dispatcher)
  if (!f) {
    f = requestFetch(dispatcher)
    fetchers.set(dispatcher, f)
  }
  return f
}

/** Wraps a translation adapter so the gateway can route to it. */
export function bridgeTranslationAdapter(t: TranslationAdapter): ProviderAdapter {
  return {
    wire: t.wire,
    supports(endpoint) {
      if (t.passThrough?.includes(endpoint)) return true
      return endpoint === 'chat' || (endpoint === 'embeddings' && typeof t.embeddings === 'function')
    },
    // Model discovery passes through too (Anthropic's and Gemini's list endpoints).
    ...(t.listModels
      ? {
          listModels: (credential: CredentialMaterial, dispatcher: Dispatcher, signal: AbortSignal) =>
            t.listModels!({ credential, model: '', fetch: fetchFor(dispatcher), signal }),
        }
      : {}),
    async send(req: UpstreamRequest): Promise<UpstreamResponse> {
      // Same wire on both sides: a mode of the one seam, relayed by the pass-through.
      if (t.passThrough?.includes(req.endpoint)) return openAICompatibleAdapter.send(req)
      // undici's request() behind a fetch-shaped seam: several times cheaper per call than its
      // WHATWG fetch, and it never follows redirects (the egress guard requires that).
      const fetchVia = fetchFor(req.dispatcher)
      const call: ProviderCall = {
        credential: req.credential,
        model: String(req.body.model),
        fetch: fetchVia,
        signal: req.signal,
        callerHeaders: req.forwardHeaders,
        ...(req.anthropicBody ? { anthropicBody: req.anthropicBody } : {}),
        ...(req.mode ? { mode: req.mode } : {}),
      }
      if (req.endpoint === 'embeddings' && t.embeddings) {
        const r = await t.embeddings(req.body as never, call)
        return jsonResponse(200, { ...r.headers, ...warningHeaders(r.warnings) }, r.response)
      }
      const body = req.body as unknown as ChatCompletionRequest
      if (!req.stream) {
        const r = await t.chat(body, call)
        return jsonResponse(200, { ...r.headers, ...warningHeaders(r.warnings) }, r.response)
      }
      const r = await t.chatStream(body, call)
      const it = chunkEvents(r.chunks)
      return {
        status: 200,
        headers: { ...r.headers, ...warningHeaders(r.warnings) },
        text: async () => {
          throw new Error('a stream has no text body')
        },
        events: () => it,
        discard: () => void it.return(undefined),
      }
    },
  }
}
