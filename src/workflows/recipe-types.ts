/**
 * The recipe format (YAML, documented in docs/workflows.md) as a zod schema. Structure only;
 * references, cycles, JSON Schema validity and models are checked by check-recipe.ts.
 * @module
 */
import { z } from 'zod'
import { ROLES } from '../identity/principal.js'

const ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
const id = z.string().regex(ID, 'must start with a letter and hold only letters, digits, - and _ (max 64)')

/** A JSON Schema document (validated as JSON Schema by ajv at save time). */
const jsonSchema = z.record(z.string(), z.unknown())

const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const
/** `text: string`, `count: integer?` (optional), or a full JSON Schema. */
const inputSpec = z.union([
  z
    .string()
    .regex(
      /^(string|number|integer|boolean|object|array)\??$/,
      `one of ${INPUT_TYPES.join(', ')} (add ? for optional)`,
    ),
  jsonSchema,
])

const reviewSpec = z.union([
  z.literal(true),
  z.strictObject({
    role: z.enum(ROLES).default('member'),
    message: z.string().max(2000).optional(),
    /** The run's starter may not decide (four-eyes). */
    not_starter: z.boolean().default(false),
  }),
])

const whenSpec = z.union([
  z.string(),
  z.strictObject({ equals: z.tuple([z.unknown(), z.unknown()]) }),
  z.strictObject({ not_equals: z.tuple([z.unknown(), z.unknown()]) }),
])

/** Sampling options a step or a compare column may set (the same bounds everywhere). */
export const SamplingParams = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  top_p: z.number().min(0).max(1).optional(),
})

export const StepSchema = z
  .strictObject({
    id,
    /** `<credential>/<model>` or a route alias. */
    model: z.string().min(1).max(300).optional(),
    system: z.string().max(100_000).optional(),
    prompt: z.string().max(100_000).optional(),
    output: z.strictObject({ schema: jsonSchema }).optional(),
    params: SamplingParams.optional(),
    when: whenSpec.optional(),
    /** Template resolving to an array; the step runs once per element with `{{ item }}`. */
    foreach: z.string().optional(),
    concurrency: z.number().int().min(1).max(32).optional(),
    retries: z.number().int().min(0).max(5).optional(),
    review: reviewSpec.optional(),
    tool: id.optional(),
    with: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((s, ctx) => {
    const kinds = [s.model !== undefined, s.tool !== undefined].filter(Boolean).length
    if (kinds > 1)
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: a step has either model or tool, not both` })
    if (kinds === 0 && s.review === undefined) {
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: needs model (+prompt), tool, or review` })
    }
    if (s.model !== undefined && s.prompt === undefined) {
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: a model step needs a prompt` })
    }
    if (s.model === undefined && (s.prompt || s.system || s.output || s.params)) {
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: prompt/system/output/params need a model` })
    }
    if (s.with !== undefined && s.tool === undefined) {
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: with is only for tool steps` })
    }
    if (s.concurrency !== undefined && s.foreach === undefined) {
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: concurrency is only for foreach steps` })
    }
    if (kinds === 0 && (s.foreach !== undefined || s.retries !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `step ${s.id}: a review step takes no foreach or retries` })
    }
  })

export const ToolSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().min(1).max(2000),
  headers: z.record(z.string(), z.string()).optional(),
  /** JSON Schema for the request body (the step's rendered `with`). */
  input: jsonSchema.optional(),
  /** JSON Schema the response body must match. */
  output: jsonSchema.optional(),
  timeout_ms: z.number().int().min(100).max(120_000).default(30_000),
})

export const RecipeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ., - and _ (max 100)'),
  version: z.union([z.number(), z.string()]).optional(),
  description: z.string().max(2000).optional(),
  inputs: z.record(id, inputSpec).default({}),
  steps: z.array(StepSchema).min(1).max(100),
  tools: z.record(id, ToolSchema).default({}),
  output: z.unknown().optional(),
})

export type Recipe = z.infer<typeof RecipeSchema>
export type Step = z.infer<typeof StepSchema>
export type Tool = z.infer<typeof ToolSchema>
export type ReviewSpec = { role: (typeof ROLES)[number]; message?: string; not_starter: boolean }

/** The review gate of a step, normalised (`review: true` → role member). */
export function reviewOf(step: Step): ReviewSpec | null {
  if (step.review === undefined) return null
  if (step.review === true) return { role: 'member', not_starter: false }
  return step.review
}

/** Step kind: a model call, a tool call, or a standalone review gate. */
export function stepKind(step: Step): 'model' | 'tool' | 'review' {
  if (step.model !== undefined) return 'model'
  if (step.tool !== undefined) return 'tool'
  return 'review'
}
