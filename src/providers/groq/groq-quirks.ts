/**
 * Groq: answers 400 to `logprobs`, `logit_bias`, `top_logprobs`, `messages[].name` and
 * `n` ≠ 1 — drop them up front (lenient) or reject them with a clear 400 (strict).
 * Reasoning models (gpt-oss, Qwen3 with `reasoning_format: "parsed"`, and any reasoning model
 * once tools or JSON mode are on) answer with `message.reasoning` / `delta.reasoning`, renamed
 * to the canonical `reasoning_content`. Reasoning is never sent back: Groq refuses
 * `reasoning_content` on assistant messages ("property 'reasoning_content' is unsupported").
 * @see https://console.groq.com/docs/openai
 * @see https://console.groq.com/docs/reasoning
 * @module
 */
import { type OpenAICompatQuirks, reasoningFieldRenamed } from '../translate/openai-compat-quirks.js'

export const groqQuirks: OpenAICompatQuirks = {
  kind: 'groq',
  prepareRequest(body, ctx) {
    const out = { ...body }
    for (const p of ['logprobs', 'logit_bias', 'top_logprobs'] as const) {
      if (out[p] != null && out[p] !== false) {
        ctx.unsupported(p, 'rejected by Groq')
        delete out[p]
      }
    }
    if (out.n != null && out.n !== 1) {
      ctx.unsupported('n', 'Groq supports n=1 only')
      delete out.n
    }
    if (out.messages.some((m) => m.name !== undefined)) {
      ctx.unsupported('messages[].name', 'rejected by Groq')
      out.messages = out.messages.map(({ name: _n, ...m }) => m)
    }
    return out
  },
  ...reasoningFieldRenamed(),
}
