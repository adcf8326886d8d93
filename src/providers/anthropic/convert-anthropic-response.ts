/**
 * Anthropic Messages response → Chat Completions response. Text blocks join into `content`,
 * thinking becomes `reasoning_content` (+ signature), `tool_use` becomes `tool_calls`, and a
 * call to the synthetic JSON tool becomes plain JSON text with finish `stop`.
 * @module
 */
import { stringifyArguments } from '../translate/json-args.js'
import type { ChatCompletion, ChatToolCall } from '../translate/openai-chat.js'
import { JSON_TOOL_NAME } from '../translate/structured-output.js'
import type { AnthropicMessage } from './anthropic-api.js'
import { convertAnthropicUsage } from './convert-anthropic-usage.js'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js'

export function convertAnthropicResponse(msg: AnthropicMessage, created: number): ChatCompletion {
  let text = ''
  let reasoning = ''
  let signature: string | undefined
  const toolCalls: ChatToolCall[] = []
  let jsonOut: string | undefined
  for (const b of msg.content) {
    if (b.type === 'text') text += b.text ?? ''
    else if (b.type === 'thinking') {
      reasoning += b.thinking ?? ''
      if (b.signature) signature = b.signature
    } else if (b.type === 'tool_use') {
      if (b.name === JSON_TOOL_NAME) jsonOut = stringifyArguments(b.input)
      else
        toolCalls.push({
          id: b.id ?? '',
          type: 'function',
          function: { name: b.name ?? '', arguments: stringifyArguments(b.input) },
        })
    }
  }
  let finish = mapAnthropicStopReason(msg.stop_reason)
  if (jsonOut !== undefined) {
    text = jsonOut
    if (finish === 'tool_calls' && toolCalls.length === 0) finish = 'stop'
  }
  return {
    id: msg.id,
    object: 'chat.completion',
    created,
    model: msg.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length ? null : text,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(signature ? { reasoning_signature: signature } : {}),
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          refusal: null,
        },
        finish_reason: finish ?? 'stop',
        logprobs: null,
      },
    ],
    usage: convertAnthropicUsage(msg.usage),
  }
}
