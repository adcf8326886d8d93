/**
 * The provider seam: what the gateway calls for one attempt against one credential. Requests
 * and responses are in the canonical Chat Completions shape (translate/openai-chat.ts); each
 * wire format's adapter translates both ways. Adapters never import Fastify, db or vault:
 * credential material, the upstream model and an egress-guarded `fetch` are injected per call.
 *
 * Errors: adapters throw AppError (translate/upstream-error.ts) — 4xx for the caller's fault,
 * 429/503/504/502 (retryable) for upstream trouble — so the gateway can decide on failover
 * before the first byte. `chatStream` resolves only after the upstream answered 2xx; failures
 * after that surface as the iterator throwing an AppError (502 for a broken stream).
 * @module
 */
import type { CallSignal } from '../gateway/cancel.js'
import type { CredentialMaterial } from '../gateway/spec/v1/resolve-model.js'
import type { Wire } from './kinds.js'
import type { UpstreamModel } from './model-modes.js'
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from './translate/openai-chat.js'
import type { TranslateMode } from './translate/translate-context.js'

/**
 * What adapters read of an upstream answer: a WHATWG `Response` satisfies it, and so does the
 * lighter object of translate/request-fetch.ts (the gateway's hot path).
 */
export type FetchResponse = Pick<
  Response,
  'status' | 'ok' | 'headers' | 'body' | 'text' | 'json' | 'arrayBuffer'
>

/** RequestInit whose signal may also be the gateway's cheap CancelSignal (gateway/cancel.ts). */
export type FetchInit = Omit<RequestInit, 'signal'> & { signal?: CallSignal | null }

/** fetch-compatible function (the gateway passes one bound to its egress policy and pools). */
export type FetchLike = (input: string, init: FetchInit) => Promise<FetchResponse>

export interface ProviderCall {
  credential: CredentialMaterial
  /** Upstream model id (without the credential prefix). */
  model: string
  fetch?: FetchLike
  signal?: CallSignal
  /** strict: 400 on parameters the target cannot honour; lenient (default): drop + warning. */
  mode?: TranslateMode
  /** Caller headers the target may understand (e.g. `anthropic-beta`), lower-case names. */
  callerHeaders?: Record<string, string>
  /**
   * The caller's own Anthropic Messages body (POST /v1/messages). A target that speaks
   * Anthropic natively for this model (anthropic, Vertex Claude, Bedrock Claude) sends it as is,
   * model swapped — cache_control, context_management, thinking kept; every other target
   * translates the canonical request instead. Decided per attempt, by the target.
   */
  anthropicBody?: Record<string, unknown>
}

export interface AdapterResult {
  /** Lenient-mode warnings (become the `warning` response header). */
  warnings: string[]
  /** Upstream headers worth passing back (request id, rate limits). */
  headers: Record<string, string>
}

export interface ChatResult extends AdapterResult {
  response: ChatCompletion
}

export interface ChatStreamResult extends AdapterResult {
  /**
   * Chat chunks. The last chunk always carries `usage` with `choices: []` (the gateway drops it
   * unless the caller asked for `stream_options.include_usage`).
   */
  chunks: AsyncIterable<ChatCompletionChunk>
}

export interface EmbeddingsRequest {
  model: string
  input: string | string[] | number[] | number[][]
  dimensions?: number
  encoding_format?: 'float' | 'base64'
  user?: string
  [k: string]: unknown
}

export interface EmbeddingsResponse {
  object: 'list'
  data: { object: 'embedding'; index: number; embedding: number[] | string }[]
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}

export interface EmbeddingsResult extends AdapterResult {
  response: EmbeddingsResponse
}

/** Native Anthropic Messages calls, for kinds that speak it (anthropic, vertex, bedrock Claude). */
export interface AnthropicNative {
  /** True when this credential + model can take an Anthropic Messages body untouched. */
  supportsMessages(call: ProviderCall): boolean
  /** Sends the body (model swapped) and returns the upstream response (status, headers, body). */
  messages(
    body: Record<string, unknown>,
    call: ProviderCall,
    op: 'messages' | 'count_tokens',
  ): Promise<FetchResponse>
}

export interface ProviderAdapter {
  readonly wire: Wire
  /**
   * Endpoints this kind serves in same-wire mode: the caller's OpenAI body relayed untouched
   * (only `model` swapped) by the pass-through (openai-compatible-adapter.ts) with this kind's
   * URL and auth, the answer relayed as is. Azure's `/v1/responses`.
   */
  passThrough?: readonly ('responses' | 'chat' | 'embeddings')[]
  chat(req: ChatCompletionRequest, call: ProviderCall): Promise<ChatResult>
  chatStream(req: ChatCompletionRequest, call: ProviderCall): Promise<ChatStreamResult>
  embeddings?(req: EmbeddingsRequest, call: ProviderCall): Promise<EmbeddingsResult>
  anthropic?: AnthropicNative
  /** Upstream model ids from the provider's list endpoint (kinds without one: absent). */
  listModels?(call: ProviderCall): Promise<UpstreamModel[]>
}
