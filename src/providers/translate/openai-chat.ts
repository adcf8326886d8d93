/**
 * The canonical, in-process request/response shapes: OpenAI Chat Completions (the gateway's
 * hub format, `ChatRequest` in the v1 spec) plus two widely used extensions that Chat itself
 * cannot carry but translation must keep: `reasoning_content` (DeepSeek/Kimi/Qwen naming) and
 * `reasoning_signature` (opaque Anthropic/Gemini/Bedrock signature for replaying thinking).
 * Every translator maps to and from these types, so N wire formats need 2N mappers, not N².
 * @see https://platform.openai.com/docs/api-reference/chat
 * @module
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool'

export interface ChatTextPart {
  type: 'text'
  text: string
}
export interface ChatImagePart {
  type: 'image_url'
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' }
}
export type ChatContentPart = ChatTextPart | ChatImagePart | { type: string; [k: string]: unknown }

export interface ChatToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export interface ChatMessage {
  role: ChatRole
  content?: string | ChatContentPart[] | null
  name?: string
  tool_calls?: ChatToolCall[]
  tool_call_id?: string
  refusal?: string | null
  /** Extension: reasoning text (DeepSeek-style), kept across translation. */
  reasoning_content?: string | null
  /** Extension: signature of the reasoning block, replayed to Anthropic/Bedrock/Gemini. */
  reasoning_signature?: string | null
}

export interface ChatTool {
  type: 'function'
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean }
}

export type ChatToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } }

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema'
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string }
    }

export interface ChatCompletionRequest {
  model: string
  messages: ChatMessage[]
  stream?: boolean
  stream_options?: { include_usage?: boolean } | null
  tools?: ChatTool[]
  tool_choice?: ChatToolChoice
  parallel_tool_calls?: boolean
  response_format?: ChatResponseFormat
  stop?: string | string[] | null
  max_tokens?: number | null
  max_completion_tokens?: number | null
  temperature?: number | null
  top_p?: number | null
  /** Not OpenAI; accepted because Anthropic/Gemini callers translate into it. */
  top_k?: number | null
  n?: number | null
  seed?: number | null
  presence_penalty?: number | null
  frequency_penalty?: number | null
  logprobs?: boolean | null
  top_logprobs?: number | null
  logit_bias?: Record<string, number> | null
  user?: string
  reasoning_effort?: string | null
  /** Extension: explicit thinking budget (from Anthropic `thinking.budget_tokens`). */
  thinking_budget?: number | null
  [k: string]: unknown
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export interface ChatUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number }
  completion_tokens_details?: { reasoning_tokens?: number }
}

export interface ChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: {
    index: number
    message: ChatMessage & { role: 'assistant'; content: string | null }
    finish_reason: ChatFinishReason | null
    logprobs: null
  }[]
  usage?: ChatUsage
}

export interface ChatToolCallDelta {
  index: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
}

export interface ChatChunkDelta {
  role?: 'assistant'
  content?: string | null
  refusal?: string | null
  reasoning_content?: string | null
  reasoning_signature?: string | null
  tool_calls?: ChatToolCallDelta[]
}

export interface ChatCompletionChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: { index: number; delta: ChatChunkDelta; finish_reason: ChatFinishReason | null; logprobs?: null }[]
  usage?: ChatUsage | null
}

/** One-choice stream chunk, as the stream converters (Anthropic, Bedrock, Gemini) emit them. */
export function chatChunk(
  id: string,
  created: number,
  model: string,
  delta: ChatChunkDelta,
  finish: ChatFinishReason | null = null,
  index = 0,
): ChatCompletionChunk {
  return {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index, delta, finish_reason: finish }],
  }
}

/** Text of a content field (string or parts); images are skipped. */
export function contentText(content: ChatMessage['content']): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  return content
    .filter((p): p is ChatTextPart => p.type === 'text')
    .map((p) => p.text)
    .join('')
}

/** Content as a list of parts. */
export function contentParts(content: ChatMessage['content']): ChatContentPart[] {
  if (content == null) return []
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  return content
}

/** `stop` as an array. */
export function stopList(stop: ChatCompletionRequest['stop']): string[] | undefined {
  if (stop == null) return undefined
  const list = Array.isArray(stop) ? stop : [stop]
  return list.length ? list : undefined
}

/** The output token ceiling the caller asked for, whichever field they used. */
export function maxOutputTokens(req: ChatCompletionRequest): number | undefined {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined
}
