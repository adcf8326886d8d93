/**
 * Gemini `finishReason` → OpenAI `finish_reason`. Tool calls have no finish reason of their
 * own (STOP + functionCall parts), so the caller passes whether calls were present.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 * @see ../../../../shared/PROVIDERS.md §7
 * @module
 */
import type { ChatFinishReason } from '../translate/openai-chat.js'

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII'])

export function mapGeminiFinishReason(
  reason: string | undefined,
  hasToolCalls: boolean,
): ChatFinishReason | null {
  if (reason === undefined) return null
  if (reason === 'MAX_TOKENS') return 'length'
  if (FILTERED.has(reason) || reason.startsWith('IMAGE_')) return 'content_filter'
  if (hasToolCalls) return 'tool_calls'
  return 'stop'
}
