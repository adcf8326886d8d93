/**
 * A model step: one chat completion through `rt.invoke` (same routing, fallbacks, budgets,
 * metering and shape-only audit as the HTTP gateway). With `output.schema` it asks for native
 * JSON-schema output (the provider layer translates it for non-OpenAI wires), validates the
 * reply with ajv and, on a mismatch, makes exactly one repair call quoting the validation
 * errors before failing with them.
 * @module
 */
import { AppError } from '../../errors/app-error.js'
import type { ChatRequest, Invoke, InvokeContext, InvokeResult } from '../../gateway/spec/v1/index.js'
import { validateAgainst } from '../json-schema.js'
import type { Step } from '../recipe-types.js'
import { StepError } from './step-error.js'

export interface ModelStepResult {
  output: unknown
  inputTokens: number
  outputTokens: number
  costUsd: number | null
  latencyMs: number
  calls: number
  provider: string
  resolvedModel: string
  credentialId: string
}

export interface ModelStepInput {
  step: Step
  model: string
  system: string | undefined
  prompt: string
  invoke: Invoke
  ctx: InvokeContext
}

function replyText(res: InvokeResult): string {
  const choices = (res.response as { choices?: { message?: { content?: unknown } }[] }).choices
  const content = choices?.[0]?.message?.content
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String(p.text) : '')).join('')
  }
  return ''
}

/** Models sometimes wrap JSON in a ``` fence even in JSON mode; accept that, nothing looser. */
function parseJsonReply(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text)
  try {
    return { ok: true, value: JSON.parse(fenced ? fenced[1]! : text) }
  } catch {
    return { ok: false, error: 'the reply is not valid JSON' }
  }
}

export async function runModelStep(input: ModelStepInput): Promise<ModelStepResult> {
  const { step, invoke, ctx } = input
  const schema = step.output?.schema
  const messages: { role: string; content: string }[] = []
  if (input.system) messages.push({ role: 'system', content: input.system })
  messages.push({ role: 'user', content: input.prompt })
  const base: Record<string, unknown> = {}
  if (step.params?.temperature !== undefined) base.temperature = step.params.temperature
  if (step.params?.max_tokens !== undefined) base.max_tokens = step.params.max_tokens
  if (step.params?.top_p !== undefined) base.top_p = step.params.top_p
  if (schema) {
    // strict:false — OpenAI's strict mode demands every property be required and
    // additionalProperties:false; recipes use ordinary JSON Schema and ajv is the judge.
    base.response_format = {
      type: 'json_schema',
      json_schema: { name: `${step.id}_output`.slice(0, 64), schema, strict: false },
    }
  }

  const acc = { inputTokens: 0, outputTokens: 0, costUsd: null as number | null, latencyMs: 0, calls: 0 }
  let last: InvokeResult | undefined
  const call = async () => {
    let res: InvokeResult
    try {
      res = await invoke({ ...base, model: input.model, messages: [...messages] } as ChatRequest, ctx)
    } catch (err) {
      throw toStepError(err, acc)
    }
    acc.calls++
    acc.inputTokens += res.usage?.inputTokens ?? 0
    acc.outputTokens += res.usage?.outputTokens ?? 0
    if (res.costUsd != null) acc.costUsd = (acc.costUsd ?? 0) + res.costUsd
    acc.latencyMs += res.latencyMs
    last = res
    return replyText(res)
  }

  let text = await call()
  let output: unknown = text
  if (schema) {
    let problem = check(text, schema)
    if (problem.error) {
      // One repair attempt: show the model its reply and exactly what failed.
      messages.push({ role: 'assistant', content: text })
      messages.push({
        role: 'user',
        content:
          `Your reply does not match the required JSON Schema: ${problem.error}. ` +
          'Reply again with only the corrected JSON object, no prose and no code fence.',
      })
      text = await call()
      problem = check(text, schema)
      if (problem.error) {
        throw new StepError(`output does not match the schema after one repair: ${problem.error}`, false, acc)
      }
    }
    output = problem.value
  }
  return {
    output,
    ...acc,
    provider: last!.provider,
    resolvedModel: last!.model,
    credentialId: last!.credentialId,
  }
}

function check(text: string, schema: unknown): { value?: unknown; error?: string } {
  const parsed = parseJsonReply(text)
  if (!parsed.ok) return { error: parsed.error }
  const error = validateAgainst(schema, parsed.value)
  return error ? { error } : { value: parsed.value }
}

function toStepError(
  err: unknown,
  acc: { inputTokens: number; outputTokens: number; costUsd: number | null },
): StepError {
  if (err instanceof StepError) return err
  if (err instanceof AppError) {
    return new StepError(
      `model call failed (${err.status} ${err.code ?? err.type}): ${err.message}`,
      err.retryable,
      acc,
    )
  }
  if ((err as Error)?.name === 'AbortError') return new StepError('cancelled', false, acc)
  return new StepError(`model call failed: ${(err as Error)?.message ?? String(err)}`, true, acc)
}
