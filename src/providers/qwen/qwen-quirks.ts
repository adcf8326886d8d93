/**
 * Qwen through DashScope's compatible mode (region-bound keys: Singapore, Beijing, Virginia,
 * Hong Kong). Thinking is a top-level `enable_thinking` (+ `thinking_budget`); output uses
 * `reasoning_content`. `top_k` is accepted.
 * @see https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const qwenQuirks: OpenAICompatQuirks = {
  kind: 'qwen',
  topK: true,
  prepareRequest(body) {
    if (!body.reasoning_effort) return body
    const { reasoning_effort, ...rest } = body
    return { ...rest, enable_thinking: reasoning_effort !== 'none' && reasoning_effort !== 'minimal' }
  },
}
