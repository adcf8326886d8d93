/**
 * Bedrock `stopReason` → OpenAI `finish_reason`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 * @see ../../../../shared/PROVIDERS.md §7
 * @module
 */
import type { ChatFinishReason } from '../translate/openai-chat.js'

export function mapBedrockStopReason(reason: string | undefined): ChatFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter'
    default:
      // end_turn, stop_sequence, malformed_model_output, malformed_tool_use
      return 'stop'
  }
}
