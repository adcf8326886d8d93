/**
 * DeepSeek: reasoning arrives as `reasoning_content` (already canonical) and must be sent
 * back on assistant tool-call turns in thinking mode, or the API answers 400 ("The
 * `reasoning_content` in the thinking mode must be passed back to the API"); a tool-call turn
 * without recorded reasoning (thinking blocks dropped by the client, an empty reasoning, history
 * from another model) gets `reasoning_content: ""`, which the API accepts. Thinking is switched
 * with `thinking: {type}` (on by default for the V4 models and `deepseek-reasoner`; the
 * `deepseek-chat` alias is the non-thinking mode). `response_format` knows only `text` and
 * `json_object` ("This response_format type is unavailable now"): a JSON-schema request is sent
 * as JSON mode with the schema in a system message, which also carries the word "json" JSON
 * mode requires in the prompt. Cache counts come as `prompt_cache_hit_tokens`; they are copied
 * to `prompt_tokens_details.cached_tokens` when the standard field is missing.
 * @see https://api-docs.deepseek.com/guides/thinking_mode
 * @see https://api-docs.deepseek.com/guides/json_mode
 * @module
 */
import type { ChatCompletionRequest, ChatMessage, ChatUsage } from '../translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'
import type { TranslateContext } from '../translate/translate-context.js'

function normalizeUsage(u: (ChatUsage & { prompt_cache_hit_tokens?: number }) | null | undefined) {
  if (!u || u.prompt_tokens_details?.cached_tokens != null || !u.prompt_cache_hit_tokens) return u
  return {
    ...u,
    prompt_tokens_details: { ...(u.prompt_tokens_details ?? {}), cached_tokens: u.prompt_cache_hit_tokens },
  }
}

function withThinking(body: ChatCompletionRequest): ChatCompletionRequest {
  if (!body.reasoning_effort || body.thinking !== undefined) return body
  const { reasoning_effort, ...rest } = body
  const on = reasoning_effort !== 'none' && reasoning_effort !== 'minimal'
  return { ...rest, thinking: { type: on ? 'enabled' : 'disabled' }, ...(on ? { reasoning_effort } : {}) }
}

function thinkingOn(body: ChatCompletionRequest): boolean {
  const type = (body.thinking as { type?: string } | undefined)?.type
  return type === 'enabled' || (type === undefined && body.model !== 'deepseek-chat')
}

const needsEmptyReasoning = (m: ChatMessage) =>
  m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0 && !m.reasoning_content

/**
 * json_schema → json_object, the schema told in a system message. It goes last, so the caller's
 * messages keep their places (DeepSeek's chat template gathers system messages into the prompt's
 * system part wherever they stand; unconfirmed for every model).
 */
function jsonMode(body: ChatCompletionRequest, ctx: TranslateContext): ChatCompletionRequest {
  const rf = body.response_format
  if (rf?.type !== 'json_schema') return body
  ctx.note('response_format json_schema sent as json_object with the schema in a system message')
  const hint: ChatMessage = {
    role: 'system',
    content: `Answer with one JSON object that follows this JSON schema: ${JSON.stringify(rf.json_schema.schema ?? { type: 'object' })}`,
  }
  return { ...body, messages: [...body.messages, hint], response_format: { type: 'json_object' } }
}

export const deepseekQuirks: OpenAICompatQuirks = {
  kind: 'deepseek',
  replayReasoning: true,
  prepareRequest(body, ctx) {
    const out = jsonMode(withThinking(body), ctx)
    if (!thinkingOn(out) || !out.messages.some(needsEmptyReasoning)) return out
    return {
      ...out,
      messages: out.messages.map((m) => (needsEmptyReasoning(m) ? { ...m, reasoning_content: '' } : m)),
    }
  },
  normalizeResponse: (res) => ({ ...res, usage: normalizeUsage(res.usage) ?? undefined }),
  createStreamNormalizer: () => (c) => (c.usage ? { ...c, usage: normalizeUsage(c.usage) } : c),
}
