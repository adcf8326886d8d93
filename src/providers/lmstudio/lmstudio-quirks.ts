/**
 * LM Studio (local): structured output takes `json_schema` only, so `json_object` becomes a
 * schema of "any object".
 * @see https://lmstudio.ai/docs/app/api/structured-output
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const lmstudioQuirks: OpenAICompatQuirks = {
  kind: 'lmstudio',
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
}
