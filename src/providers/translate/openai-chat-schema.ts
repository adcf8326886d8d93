/**
 * Validation of a caller's Chat request before translation. Pass-through kinds forward the
 * body as is (the upstream judges it); translation reads fields, so a wrong shape must be a
 * clear 400 naming the field — never a TypeError turning into a 500. Objects stay loose:
 * unknown fields are the target's business (mapped, warned or rejected per mode).
 * @module
 */
import { z } from 'zod'
import { badRequest } from '../../errors/app-error.js'
import type { ChatCompletionRequest } from './openai-chat.js'

const part = z.union([
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({
    type: z.literal('image_url'),
    image_url: z.looseObject({ url: z.string().min(1) }),
  }),
  z.looseObject({ type: z.string() }),
])

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(part), z.null()]).optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string(),
        type: z.literal('function').optional(),
        function: z.looseObject({ name: z.string().min(1), arguments: z.string().optional().default('') }),
      }),
    )
    .nullish(),
  tool_call_id: z.string().optional(),
})

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_.:-]{1,128}$/, 'tool names are letters, digits, _ . : - (1–128)'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
})

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
])

const responseFormat = z.union([
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1),
      schema: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
])

export const chatRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(message).min(1),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  response_format: responseFormat.optional(),
  stop: z.union([z.string(), z.array(z.string()).max(16), z.null()]).optional(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().positive().nullish(),
  n: z.number().int().positive().nullish(),
})

/** Validates (400 naming the field) and returns the request typed for the mappers. */
export function parseChatRequest(body: unknown): ChatCompletionRequest {
  const r = chatRequestSchema.safeParse(body)
  if (r.success) return r.data as unknown as ChatCompletionRequest
  const issue = r.error.issues[0]
  const path =
    issue?.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') ?? ''
  throw badRequest(`${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}`, {
    ...(path ? { param: path } : {}),
    code: 'invalid_request',
  })
}
