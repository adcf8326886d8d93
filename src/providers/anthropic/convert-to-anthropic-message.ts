/**
 * Canonical Chat response → Anthropic Message, for `/v1/messages` callers served by a
 * non-Anthropic provider. `model` is echoed as the caller named it.
 * @module
 */
import { parseArguments } from '../translate/json-args.js'
import type { ChatCompletion } from '../translate/openai-chat.js'
import { toAnthropicUsage } from './convert-anthropic-usage.js'
import { toAnthropicStopReason } from './map-anthropic-stop-reason.js'

export function convertToAnthropicMessage(res: ChatCompletion, model: string): Record<string, unknown> {
  const choice = res.choices[0]
  const msg = choice?.message
  const content: Record<string, unknown>[] = []
  if (msg?.reasoning_content) {
    content.push({
      type: 'thinking',
      thinking: msg.reasoning_content,
      signature: msg.reasoning_signature ?? '',
    })
  }
  const text = typeof msg?.content === 'string' ? msg.content : ''
  if (text) content.push({ type: 'text', text })
  for (const call of msg?.tool_calls ?? []) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments),
    })
  }
  return {
    id: res.id.startsWith('msg_') ? res.id : `msg_${res.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: toAnthropicStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(res.usage),
  }
}
