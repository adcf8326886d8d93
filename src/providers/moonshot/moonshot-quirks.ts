/**
 * Moonshot Kimi: thinking models emit `reasoning_content` and require it replayed on every
 * assistant tool-call message ("thinking is enabled but reasoning_content is missing in
 * assistant tool call message at index N", HTTP 400). A tool-call turn without recorded
 * reasoning (a client that dropped its thinking blocks, or history from another model) is sent
 * with `reasoning_content: ""`, which the API accepts.
 *
 * Usage: cache hits come as a top-level `usage.cached_tokens` (newer models also fill
 * `prompt_tokens_details.cached_tokens`); the top-level count is copied to the standard field.
 * In a stream Kimi puts usage on the finishing choice (`choices[0].usage`), with a trailing
 * `choices: []` usage chunk only under `stream_options.include_usage`; the choice's usage is
 * lifted to the chunk so the Anthropic rendering sees it either way.
 * @see https://platform.moonshot.ai/docs/api/chat
 * @see https://platform.moonshot.ai/docs/guide/use-kimi-k2-thinking-model
 * @module
 */
import type { ChatCompletionChunk, ChatMessage, ChatUsage } from '../translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

type KimiUsage = ChatUsage & { cached_tokens?: number | null }

function normalizeUsage(u: KimiUsage | null | undefined): ChatUsage | null | undefined {
  if (!u || u.prompt_tokens_details?.cached_tokens != null || typeof u.cached_tokens !== 'number') return u
  return {
    ...u,
    prompt_tokens_details: { ...(u.prompt_tokens_details ?? {}), cached_tokens: u.cached_tokens },
  }
}

const needsEmptyReasoning = (m: ChatMessage) =>
  m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0 && m.reasoning_content == null

type KimiChoice = ChatCompletionChunk['choices'][number] & { usage?: KimiUsage | null }

export const moonshotQuirks: OpenAICompatQuirks = {
  kind: 'moonshot',
  replayReasoning: true,
  prepareRequest(body) {
    if (!body.messages.some(needsEmptyReasoning)) return body
    return {
      ...body,
      messages: body.messages.map((m) => (needsEmptyReasoning(m) ? { ...m, reasoning_content: '' } : m)),
    }
  },
  normalizeResponse: (res) => ({ ...res, usage: normalizeUsage(res.usage) ?? undefined }),
  createStreamNormalizer: () => (c) => {
    const choices = c.choices as KimiChoice[]
    const inChoice = choices.find((ch) => ch.usage)?.usage
    if (!c.usage && inChoice) {
      return {
        ...c,
        choices: choices.map(({ usage: _u, ...ch }) => ch),
        usage: normalizeUsage(inChoice) ?? null,
      }
    }
    return c.usage ? { ...c, usage: normalizeUsage(c.usage) ?? null } : c
  },
}
