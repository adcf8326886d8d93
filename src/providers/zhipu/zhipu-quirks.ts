/**
 * Zhipu GLM (BigModel / Z.AI): `tool_choice` only `auto`; `response_format` only
 * `json_object` (a JSON-schema request degrades to JSON mode with a warning); thinking via
 * `thinking: {type}`; reasoning arrives as `reasoning_content`.
 * @see https://docs.bigmodel.cn/api-reference
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const zhipuQuirks: OpenAICompatQuirks = {
  kind: 'zhipu',
  prepareRequest(body, ctx) {
    const out = { ...body }
    if (out.tool_choice !== undefined && out.tool_choice !== 'auto') {
      ctx.unsupported('tool_choice', 'Zhipu supports tool_choice "auto" only')
      delete out.tool_choice
    }
    if (out.response_format?.type === 'json_schema') {
      ctx.note('response_format json_schema sent as json_object (Zhipu has no schema mode)')
      out.response_format = { type: 'json_object' }
    }
    if (out.reasoning_effort) {
      const { reasoning_effort, ...rest } = out
      return { ...rest, thinking: { type: reasoning_effort === 'none' ? 'disabled' : 'enabled' } }
    }
    return out
  },
}
