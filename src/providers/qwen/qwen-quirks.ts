/**
 * Qwen through DashScope's compatible mode (region-bound keys: Singapore, Beijing, Virginia,
 * Hong Kong). Thinking is a top-level `enable_thinking`; output uses `reasoning_content`, and
 * streamed usage comes on a trailing `choices: []` chunk. `top_k` is accepted, and so is
 * `thinking_budget` (an Anthropic `thinking.budget_tokens` goes through as it is; sent only with
 * thinking on). Open-source Qwen3 models refuse `enable_thinking: true` on non-streamed calls (400
 * "parameter.enable_thinking must be set to false for non-streaming calls"); commercial ones
 * (qwen-plus, qwen3-max) answer with `reasoning_content`.
 * @see https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const qwenQuirks: OpenAICompatQuirks = {
  kind: 'qwen',
  topK: true,
  thinkingBudget: true,
  prepareRequest(body) {
    const { reasoning_effort, thinking_budget, ...rest } = body
    if (!reasoning_effort) return rest
    const thinking = reasoning_effort !== 'none' && reasoning_effort !== 'minimal'
    return { ...rest, enable_thinking: thinking, ...(thinking && thinking_budget ? { thinking_budget } : {}) }
  },
}
