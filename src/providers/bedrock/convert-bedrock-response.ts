/**
 * Bedrock Converse response → Chat Completions response; usage with cache read/write.
 * Bedrock `inputTokens` follows Anthropic semantics (excludes cache; PROVIDERS.md §8), so the
 * OpenAI prompt count adds the cache counts back.
 * @module
 */
import { stringifyArguments } from '../translate/json-args.js'
import type { ChatCompletion, ChatToolCall, ChatUsage } from '../translate/openai-chat.js'
import { JSON_TOOL_NAME } from '../translate/structured-output.js'
import type { BedrockConverseResponse, BedrockUsage } from './bedrock-api.js'
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js'

export function convertBedrockUsage(u: BedrockUsage | undefined): ChatUsage {
  const read = u?.cacheReadInputTokens ?? 0
  const write = u?.cacheWriteInputTokens ?? 0
  const prompt = (u?.inputTokens ?? 0) + read + write
  const completion = u?.outputTokens ?? 0
  const out: ChatUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  }
  if (read || write)
    out.prompt_tokens_details = { cached_tokens: read, ...(write ? { cache_write_tokens: write } : {}) }
  return out
}

export function convertBedrockResponse(
  res: BedrockConverseResponse,
  model: string,
  id: string,
  created: number,
): ChatCompletion {
  let text = ''
  let reasoning = ''
  let signature: string | undefined
  let jsonOut: string | undefined
  const calls: ChatToolCall[] = []
  for (const b of res.output.message?.content ?? []) {
    if (typeof b.text === 'string') text += b.text
    else if (b.toolUse) {
      if (b.toolUse.name === JSON_TOOL_NAME) jsonOut = stringifyArguments(b.toolUse.input)
      else
        calls.push({
          id: b.toolUse.toolUseId,
          type: 'function',
          function: { name: b.toolUse.name, arguments: stringifyArguments(b.toolUse.input) },
        })
    } else if (b.reasoningContent?.reasoningText) {
      reasoning += b.reasoningContent.reasoningText.text ?? ''
      signature = b.reasoningContent.reasoningText.signature ?? signature
    }
  }
  let finish = mapBedrockStopReason(res.stopReason)
  if (jsonOut !== undefined) {
    text = jsonOut
    if (finish === 'tool_calls' && calls.length === 0) finish = 'stop'
  }
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && calls.length ? null : text,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(signature ? { reasoning_signature: signature } : {}),
          ...(calls.length ? { tool_calls: calls } : {}),
          refusal: null,
        },
        finish_reason: finish,
        logprobs: null,
      },
    ],
    usage: convertBedrockUsage(res.usage),
  }
}
