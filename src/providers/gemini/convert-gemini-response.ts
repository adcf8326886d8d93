/**
 * Gemini response → Chat Completions response. Thought parts become `reasoning_content`,
 * function calls become `tool_calls` with deterministic ids when Gemini gives none, and a
 * prompt blocked before any candidate becomes an empty `content_filter` answer.
 * @module
 */
import { syntheticToolCallId } from '../translate/ids.js'
import type { ChatCompletion, ChatToolCall } from '../translate/openai-chat.js'
import { convertGeminiUsage } from './convert-gemini-usage.js'
import type { GeminiPart, GeminiResponse } from './gemini-api.js'
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js'

export interface MappedParts {
  text: string
  reasoning: string
  signature: string | undefined
  toolCalls: ChatToolCall[]
}

/** Splits Gemini parts into text, reasoning, signature and tool calls. */
export function mapGeminiParts(parts: GeminiPart[], idSeed: string, firstToolIndex = 0): MappedParts {
  const out: MappedParts = { text: '', reasoning: '', signature: undefined, toolCalls: [] }
  for (const p of parts) {
    if (p.thoughtSignature && !out.signature) out.signature = p.thoughtSignature
    if (p.functionCall) {
      const idx = firstToolIndex + out.toolCalls.length
      out.toolCalls.push({
        id: p.functionCall.id ?? syntheticToolCallId(`${idSeed}:${idx}:${p.functionCall.name}`),
        type: 'function',
        function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
      })
    } else if (typeof p.text === 'string') {
      if (p.thought) out.reasoning += p.text
      else out.text += p.text
    }
  }
  return out
}

export function convertGeminiResponse(
  res: GeminiResponse,
  model: string,
  created: number,
  fallbackId: string,
): ChatCompletion {
  const id = res.responseId ?? fallbackId
  const candidates = res.candidates ?? []
  const choices: ChatCompletion['choices'] = candidates.map((c, i) => {
    const m = mapGeminiParts(c.content?.parts ?? [], `${id}:${i}`)
    return {
      index: c.index ?? i,
      message: {
        role: 'assistant',
        content: m.text === '' && m.toolCalls.length ? null : m.text,
        ...(m.reasoning ? { reasoning_content: m.reasoning } : {}),
        ...(m.signature ? { reasoning_signature: m.signature } : {}),
        ...(m.toolCalls.length ? { tool_calls: m.toolCalls } : {}),
        refusal: null,
      },
      finish_reason: mapGeminiFinishReason(c.finishReason ?? 'STOP', m.toolCalls.length > 0) ?? 'stop',
      logprobs: null,
    }
  })
  if (choices.length === 0) {
    // Prompt blocked (promptFeedback.blockReason): no candidate at all.
    choices.push({
      index: 0,
      message: { role: 'assistant', content: '', refusal: res.promptFeedback?.blockReason ?? null },
      finish_reason: 'content_filter',
      logprobs: null,
    })
  }
  return {
    id,
    object: 'chat.completion',
    created,
    model: res.modelVersion ?? model,
    choices,
    usage: convertGeminiUsage(res.usageMetadata),
  }
}
