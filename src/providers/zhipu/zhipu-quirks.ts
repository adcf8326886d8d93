/**
 * Zhipu GLM (BigModel / Z.AI): `tool_choice` only `auto`; `response_format` only
 * `json_object` (a JSON-schema request degrades to JSON mode with a warning); thinking via
 * `thinking: {type}`; reasoning arrives as `reasoning_content`. Finish reasons go beyond
 * OpenAI's: `sensitive` (blocked by the safety review) is a content filter,
 * `model_context_window_exceeded` a truncation, and `network_error` means inference failed
 * (GLM reports a failure after the 200 this way instead of with an error code).
 * @see https://docs.bigmodel.cn/api-reference
 * @see https://docs.bigmodel.cn/cn/api/api-code (finish_reason after a stream started)
 * @module
 */
import { AppError } from '../../errors/app-error.js'
import { brokenStream } from '../http/upstream-error.js'
import type { ChatFinishReason } from '../translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

const FINISH: Record<string, ChatFinishReason> = {
  sensitive: 'content_filter',
  model_context_window_exceeded: 'length',
}

function finishReason<T extends string | null | undefined>(reason: T): ChatFinishReason | T {
  return (reason && FINISH[reason]) || reason
}

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
  normalizeResponse(res) {
    return {
      ...res,
      choices: res.choices.map((c) => {
        if ((c.finish_reason as string) === 'network_error') {
          throw new AppError(502, 'api_error', 'zhipu inference failed (finish_reason "network_error")', {
            code: 'upstream_error',
            details: { provider: 'zhipu' },
          })
        }
        return { ...c, finish_reason: finishReason(c.finish_reason) }
      }),
    }
  },
  createStreamNormalizer: () => (chunk) => {
    if (!chunk.choices.some((c) => c.finish_reason)) return chunk
    return {
      ...chunk,
      choices: chunk.choices.map((c) => {
        if ((c.finish_reason as string) === 'network_error') {
          throw brokenStream('zhipu', 'inference failed (finish_reason "network_error")')
        }
        return { ...c, finish_reason: finishReason(c.finish_reason) }
      }),
    }
  },
}
