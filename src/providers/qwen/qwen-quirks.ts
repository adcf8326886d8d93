/**
 * Qwen through DashScope's compatible mode (region-bound keys: Singapore, Beijing, Virginia,
 * Hong Kong). Thinking is a top-level `enable_thinking`; output uses `reasoning_content`, and
 * streamed usage comes on a trailing `choices: []` chunk. `top_k` is accepted. DashScope also
 * takes `thinking_budget`, but `toOpenAIWire` strips it before these hooks run, so it is not
 * sent. Open-source Qwen3 models refuse `enable_thinking: true` on non-streamed calls (400
 * "parameter.enable_thinking must be set to false for non-streaming calls"); commercial ones
 * (qwen-plus, qwen3-max) answer with `reasoning_content`.
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
