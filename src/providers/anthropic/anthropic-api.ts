/**
 * Anthropic Messages wire types (zod; TypeScript types derived). Objects are loose: unknown
 * fields from newer API versions pass validation and are ignored by the mappers.
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import { z } from 'zod'

export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().nullish() }).nullish(),
})
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>

export const anthropicContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
  data: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
})
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema,
})
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>

/** Stream events: `type` discriminates; payloads validated loosely per event in the mapper. */
export const anthropicStreamEventSchema = z.looseObject({
  type: z.string(),
  index: z.number().optional(),
  message: anthropicMessageSchema.partial().optional(),
  content_block: anthropicContentBlockSchema.optional(),
  delta: z
    .looseObject({
      type: z.string().optional(),
      text: z.string().optional(),
      partial_json: z.string().optional(),
      thinking: z.string().optional(),
      signature: z.string().optional(),
      stop_reason: z.string().nullish(),
      stop_sequence: z.string().nullish(),
    })
    .optional(),
  usage: anthropicUsageSchema.optional(),
  error: z.looseObject({ type: z.string(), message: z.string() }).optional(),
})
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>

/** Request body, as produced by our mapper (a subset of the API's fields). */
export interface AnthropicRequest {
  model: string
  max_tokens: number
  messages: { role: 'user' | 'assistant'; content: AnthropicRequestBlock[] }[]
  system?: { type: 'text'; text: string; cache_control?: unknown }[]
  tools?: { name: string; description?: string; input_schema: Record<string, unknown>; strict?: boolean }[]
  tool_choice?: { type: 'auto' | 'any' | 'none' | 'tool'; name?: string; disable_parallel_tool_use?: boolean }
  stop_sequences?: string[]
  temperature?: number
  top_p?: number
  top_k?: number
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' }
  output_config?: { format?: { type: 'json_schema'; schema: Record<string, unknown> } }
  metadata?: { user_id?: string }
  stream?: boolean
}

export type AnthropicRequestBlock =
  | { type: 'text'; text: string; cache_control?: unknown }
  | {
      type: 'image'
      source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string }
    }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | {
      type: 'tool_result'
      tool_use_id: string
      content?: string | AnthropicRequestBlock[]
      is_error?: boolean
    }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }

/** `GET /v1/models`. */
export const anthropicModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) })
