/**
 * Anthropic `stop_reason` ⇄ OpenAI `finish_reason`.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 * @see ../../../../shared/PROVIDERS.md §7
 * @module
 */
import type { ChatFinishReason } from '../translate/openai-chat.js'

export function mapAnthropicStopReason(reason: string | null | undefined): ChatFinishReason | null {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    case null:
    case undefined:
      return null
    default:
      return 'stop'
  }
}

/** OpenAI finish reason → Anthropic stop reason (for /v1/messages served by other providers). */
export function toAnthropicStopReason(
  reason: ChatFinishReason | null | undefined,
  stopSequenceHit = false,
): string {
  switch (reason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      return stopSequenceHit ? 'stop_sequence' : 'end_turn'
  }
}
