/**
 * The provider seam: how the gateway core talks to an upstream, keyed by wire format
 * (`src/providers/kinds.ts`). The gateway speaks OpenAI's wire internally: requests arrive as
 * OpenAI-shaped bodies (model already set to the upstream id) and adapters answer with
 * OpenAI-shaped bodies, error bodies and SSE events. The OpenAI-compatible pass-through is the
 * first adapter; translation adapters (anthropic, gemini, bedrock, azure-openai, …) register
 * for their wire with `registerAdapter` and get routing, retries, breakers, budgets and
 * metering for free. See docs/gateway.md "Provider seam".
 * @module
 */
import type { Dispatcher } from 'undici'
import type { UpstreamModel } from '../providers/model-modes.js'
import type { CallSignal } from './cancel.js'
import type { CredentialMaterial } from './spec/v1/index.js'

/** Gateway endpoints an adapter may serve. */
export type Endpoint = 'chat' | 'embeddings' | 'responses'

/** One server-sent event in the OpenAI wire format (`event:` is used by the Responses API). */
export interface StreamEvent {
  event?: string
  data: string
}

export interface UpstreamRequest {
  endpoint: Endpoint
  /** OpenAI-shaped body; `model` is the upstream model id. Unknown fields must survive. */
  body: Record<string, unknown>
  stream: boolean
  /**
   * Streaming chat: the gateway wants a usage chunk at the end (OpenAI: `stream_options.
   * include_usage`). The gateway strips it again when the client did not ask for it.
   */
  wantUsage: boolean
  credential: CredentialMaterial
  /** The SSRF-guarded dispatcher for the caller's org; every upstream byte goes through it. */
  dispatcher: Dispatcher
  /** Aborted on client disconnect, attempt timeout or deadline. */
  signal: CallSignal
  /**
   * Client headers safe to forward (e.g. `openai-beta`); never auth headers. Only targets of
   * the caller's protocol get them: the gateway empties them for other wires.
   */
  forwardHeaders: Record<string, string>
  /** POST /v1/messages: the caller's Anthropic body, for targets that take it natively. */
  anthropicBody?: Record<string, unknown>
  requestId: string
  /** Route translation mode: strict (400 on parameters the target cannot honour) or lenient. */
  mode?: 'strict' | 'lenient'
  /**
   * Chat `body` is Latchkey's canonical request (translated from another wire, e.g. by
   * POST /v1/messages), not a caller's OpenAI body: an OpenAI-wire adapter maps it for the
   * target kind (extension fields, the kind's request quirks) and normalises the answer back.
   */
  canonical?: boolean
}

export interface UpstreamResponse {
  status: number
  /** Headers to pass back to the client (upstream request id, rate limits, retry-after). */
  headers: Record<string, string>
  /** The whole body as text: OpenAI-shaped JSON on success, an OpenAI error body otherwise. */
  text(): Promise<string>
  /**
   * The same body already parsed, when the adapter built it as an object (translation
   * adapters): the gateway then skips parsing `text()` again.
   */
  parsed?: unknown
  /** Streaming success: OpenAI-shaped events, in order, ending after `[DONE]` (chat). */
  events(): AsyncIterator<StreamEvent>
  /** Releases the connection without reading the body. */
  discard(): void
}

export interface ProviderAdapter {
  /** Wire format served (kinds.ts `wire`). */
  readonly wire: string
  /** Whether this credential can serve the endpoint at all (400 otherwise, before any call). */
  supports(endpoint: Endpoint, credential: CredentialMaterial): boolean
  /**
   * Sends one attempt; resolves once the upstream status and headers are known. May instead
   * throw an AppError already mapped (429/5xx retryable, other 4xx final), as translation
   * adapters do.
   */
  send(req: UpstreamRequest): Promise<UpstreamResponse>
  /** Upstream model ids for GET /v1/models discovery (optional). */
  listModels?(
    credential: CredentialMaterial,
    dispatcher: Dispatcher,
    signal: AbortSignal,
  ): Promise<UpstreamModel[]>
}

const ADAPTERS = new Map<string, ProviderAdapter>()

/** Registers (or replaces) the adapter for a wire format. */
export function registerAdapter(adapter: ProviderAdapter): void {
  ADAPTERS.set(adapter.wire, adapter)
}

export function adapterFor(wire: string): ProviderAdapter | undefined {
  return ADAPTERS.get(wire)
}
