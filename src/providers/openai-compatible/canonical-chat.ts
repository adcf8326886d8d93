/**
 * Canonical Chat requests (translated from another wire, e.g. by POST /v1/messages) sent to an
 * OpenAI-wire kind. The kind's quirks run here, once per attempt, because only the attempt
 * knows its target: a route that falls back from DeepSeek to MiniMax must send DeepSeek's
 * request shape to DeepSeek and MiniMax's to MiniMax, and read each answer its own way.
 * A caller's own OpenAI body is never touched this way (same wire: passed through).
 * @module
 */
import type { StreamEvent, UpstreamRequest } from '../../gateway/provider-adapter.js'
import { quirksFor } from '../registry.js'
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../translate/openai-chat.js'
import { type OpenAICompatQuirks, toOpenAIWire } from '../translate/openai-compat-quirks.js'
import { TranslateContext, warningHeaders } from '../translate/translate-context.js'

export interface CanonicalChat {
  /** The request in the kind's own OpenAI dialect. */
  body: Record<string, unknown>
  /** `x-latchkey-warning` for what lenient mode dropped or downgraded. */
  headers: Record<string, string>
  quirks: OpenAICompatQuirks | undefined
}

/** Maps a canonical request for `req.credential`'s kind; strict mode throws a 400 AppError. */
export function canonicalChatBody(req: UpstreamRequest): CanonicalChat {
  const kind = req.credential.provider
  const quirks = quirksFor(kind)
  const ctx = new TranslateContext(req.mode ?? 'lenient', kind)
  const body = toOpenAIWire(req.body as unknown as ChatCompletionRequest, ctx, quirks)
  return { body: body as unknown as Record<string, unknown>, headers: warningHeaders(ctx.warnings), quirks }
}

/** The kind's answer in canonical form; anything not shaped like a completion is left to the gateway. */
export function normalizedAnswer(json: unknown, quirks: OpenAICompatQuirks | undefined): unknown {
  if (!quirks?.normalizeResponse || !Array.isArray((json as ChatCompletion | null)?.choices)) return json
  return quirks.normalizeResponse(json as ChatCompletion)
}

/**
 * A stream with `rewrite` applied to its chunks: the kind's normaliser for canonical requests,
 * a repair on the pass-through (where `only` picks the events worth parsing, so the rest keep
 * their bytes). A normaliser may throw an AppError (e.g. Mistral's `finish_reason: "error"`):
 * the relay ends the stream with it. `[DONE]`, non-JSON and chunk-less events pass unchanged.
 */
export async function* rewrittenEvents(
  events: AsyncIterable<StreamEvent>,
  rewrite: (chunk: ChatCompletionChunk) => ChatCompletionChunk,
  only: (data: string) => boolean = (data) => data !== '[DONE]',
): AsyncGenerator<StreamEvent> {
  for await (const ev of events) {
    let chunk: ChatCompletionChunk | undefined
    if (only(ev.data)) {
      try {
        chunk = JSON.parse(ev.data) as ChatCompletionChunk
      } catch {
        // The relay reports a malformed event itself.
      }
    }
    yield chunk && Array.isArray(chunk.choices) ? { ...ev, data: JSON.stringify(rewrite(chunk)) } : ev
  }
}
