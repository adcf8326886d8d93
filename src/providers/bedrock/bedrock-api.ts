/**
 * Bedrock Converse / ConverseStream wire types (zod, loose).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @module
 */
import { z } from 'zod'

export const bedrockUsageSchema = z.looseObject({
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  totalTokens: z.number().optional(),
  cacheReadInputTokens: z.number().optional(),
  cacheWriteInputTokens: z.number().optional(),
})
export type BedrockUsage = z.infer<typeof bedrockUsageSchema>

export const bedrockContentBlockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: z
    .looseObject({
      reasoningText: z
        .looseObject({ text: z.string().optional(), signature: z.string().optional() })
        .optional(),
      redactedContent: z.string().optional(),
    })
    .optional(),
})
export type BedrockContentBlock = z.infer<typeof bedrockContentBlockSchema>

export const bedrockConverseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ role: z.string(), content: z.array(bedrockContentBlockSchema) }).optional(),
  }),
  stopReason: z.string(),
  usage: bedrockUsageSchema.optional(),
  metrics: z.looseObject({ latencyMs: z.number().optional() }).optional(),
})
export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>

/** Request body as produced by our mapper. */
export interface BedrockConverseRequest {
  messages: { role: 'user' | 'assistant'; content: Record<string, unknown>[] }[]
  system?: { text: string }[]
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] }
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[]
    toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } }
  }
  outputConfig?: {
    textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string } } }
  }
  additionalModelRequestFields?: Record<string, unknown>
}

/** Payload of a ConverseStream event frame (all event types; fields optional). */
export const bedrockStreamPayloadSchema = z.looseObject({
  contentBlockIndex: z.number().optional(),
  start: z
    .looseObject({ toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional() })
    .optional(),
  delta: z
    .looseObject({
      text: z.string().optional(),
      toolUse: z.looseObject({ input: z.string().optional() }).optional(),
      reasoningContent: z
        .looseObject({ text: z.string().optional(), signature: z.string().optional() })
        .optional(),
    })
    .optional(),
  stopReason: z.string().optional(),
  usage: bedrockUsageSchema.optional(),
})
