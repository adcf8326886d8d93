/**
 * Gemini API (and Vertex Gemini) wire types, REST JSON (camelCase). Loose objects: unknown
 * fields pass and are ignored.
 * @see https://ai.google.dev/api/generate-content
 * @module
 */
import { z } from 'zod'

export const geminiPartSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  functionCall: z
    .looseObject({
      name: z.string(),
      args: z.record(z.string(), z.unknown()).nullish(),
      id: z.string().optional(),
    })
    .optional(),
})
export type GeminiPart = z.infer<typeof geminiPartSchema>

export const geminiUsageSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
})
export type GeminiUsage = z.infer<typeof geminiUsageSchema>

export const geminiResponseSchema = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        content: z
          .looseObject({ role: z.string().optional(), parts: z.array(geminiPartSchema).optional() })
          .optional(),
        finishReason: z.string().optional(),
        index: z.number().optional(),
      }),
    )
    .optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
  usageMetadata: geminiUsageSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
  /** Mid-stream error chunk. */
  error: z
    .looseObject({
      code: z.number().optional(),
      message: z.string().optional(),
      status: z.string().optional(),
    })
    .optional(),
})
export type GeminiResponse = z.infer<typeof geminiResponseSchema>

export const geminiBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
})

/** Request body as produced by our mapper. */
export interface GeminiRequest {
  contents: { role: 'user' | 'model'; parts: Record<string, unknown>[] }[]
  systemInstruction?: { parts: { text: string }[] }
  tools?: { functionDeclarations: { name: string; description?: string; parametersJsonSchema?: unknown }[] }[]
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } }
  generationConfig?: Record<string, unknown>
}

/** `GET /models` (one page). */
export const geminiModelListSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        supportedGenerationMethods: z.array(z.string()).optional(),
        inputTokenLimit: z.number().optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
})
