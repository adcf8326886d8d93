/**
 * LM Studio (local): structured output takes `json_schema` only (`json_object` is answered
 * with 400 "'response_format.type' must be 'json_schema' or 'text'"), so `json_object` becomes
 * a schema of "any object". `top_k` is a documented request field and is kept. Reasoning comes
 * as `reasoning_content` (the "separate reasoning_content" setting, 0.3.9) or, for gpt-oss since
 * 0.3.23, as `reasoning`; the latter is renamed to `reasoning_content`.
 * @see https://lmstudio.ai/docs/developer/openai-compat/chat-completions
 * @see https://lmstudio.ai/docs/developer/api-changelog
 * @module
 */
import { type OpenAICompatQuirks, reasoningFieldRenamed } from '../translate/openai-compat-quirks.js'

export const lmstudioQuirks: OpenAICompatQuirks = {
  kind: 'lmstudio',
  topK: true,
  prepareRequest(body) {
    if (body.response_format?.type !== 'json_object') return body
    return {
      ...body,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'json_object', schema: { type: 'object' } },
      },
    }
  },
  ...reasoningFieldRenamed(),
}
