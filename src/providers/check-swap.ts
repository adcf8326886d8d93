/**
 * Provider swap check: send one Chat request through several models and report whether the
 * answers are structurally identical — same finish kind, same tool-call names with the same
 * argument schema (keys and JSON types, not values), same top-level JSON keys for structured
 * output — plus tokens, cost and latency of each. Transport-neutral: the caller supplies
 * `send` (the CLI posts to a running server; tests can call in-process).
 * @module
 */
import { calcPrice } from '../usage/genai-prices.js'
import type { ChatCompletion } from './translate/openai-chat.js'

export interface SwapAnswer {
  model: string
  finish: string | null
  toolCalls: { name: string; args: Record<string, string> }[]
  /** Top-level keys (sorted) when the answer is a JSON object, else null. */
  jsonKeys: string[] | null
  usage: { input: number; output: number } | null
  costUsd: number | null
  latencyMs: number
  error?: string
}

export interface SwapReport {
  identical: boolean
  differences: string[]
  answers: SwapAnswer[]
}

export type SwapSend = (model: string, request: Record<string, unknown>) => Promise<ChatCompletion>

/** The probe used when no request is given: a tool call decision under a JSON-capable prompt. */
export const DEFAULT_SWAP_REQUEST: Record<string, unknown> = {
  messages: [{ role: 'user', content: 'What is the weather in Paris right now? Use the tool.' }],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: {
          type: 'object',
          properties: {
            location: { type: 'string' },
            unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          },
          required: ['location'],
        },
      },
    },
  ],
  max_tokens: 512,
}

function jsonType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

/** Shape of a JSON object: key → JSON type. */
export function shapeOf(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {}
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => [k, jsonType(x)]),
  )
}

function parseObject(text: string | null | undefined): Record<string, unknown> | null {
  if (!text) return null
  try {
    const v = JSON.parse(text.trim()) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** Cost from the bundled price dataset by model name (null when unknown). */
export function estimateCost(model: string, usage: { input: number; output: number } | null): number | null {
  if (!usage) return null
  try {
    const r = calcPrice({ input_tokens: usage.input, output_tokens: usage.output }, model)
    return r ? r.total_price : null
  } catch {
    return null
  }
}

export function summarize(model: string, res: ChatCompletion, latencyMs: number): SwapAnswer {
  const choice = res.choices?.[0]
  const calls = (choice?.message.tool_calls ?? []).map((c) => ({
    name: c.function.name,
    args: shapeOf(parseObject(c.function.arguments)),
  }))
  const json = parseObject(typeof choice?.message.content === 'string' ? choice.message.content : null)
  const usage = res.usage ? { input: res.usage.prompt_tokens, output: res.usage.completion_tokens } : null
  const upstream = model.includes('/') ? model.slice(model.indexOf('/') + 1) : model
  return {
    model,
    finish: choice?.finish_reason ?? null,
    toolCalls: calls,
    jsonKeys: json ? Object.keys(json).sort() : null,
    usage,
    costUsd: estimateCost(upstream, usage),
    latencyMs,
  }
}

/** Compares answers pairwise against the first one. */
export function compareAnswers(answers: SwapAnswer[]): SwapReport {
  const differences: string[] = []
  const [ref, ...rest] = answers
  if (!ref) return { identical: false, differences: ['no models'], answers }
  for (const a of answers) if (a.error) differences.push(`${a.model}: failed: ${a.error}`)
  for (const a of rest) {
    if (a.error || ref.error) continue
    if (a.finish !== ref.finish) differences.push(`finish: ${ref.model}=${ref.finish} ${a.model}=${a.finish}`)
    const names = (x: SwapAnswer) => x.toolCalls.map((c) => c.name).join(',')
    if (names(a) !== names(ref))
      differences.push(`tool calls: ${ref.model}=[${names(ref)}] ${a.model}=[${names(a)}]`)
    else {
      for (const [i, c] of a.toolCalls.entries()) {
        const r = ref.toolCalls[i]!
        if (JSON.stringify(c.args) !== JSON.stringify(r.args)) {
          differences.push(
            `tool ${c.name} arguments: ${ref.model}=${JSON.stringify(r.args)} ${a.model}=${JSON.stringify(c.args)}`,
          )
        }
      }
    }
    if (JSON.stringify(a.jsonKeys) !== JSON.stringify(ref.jsonKeys)) {
      differences.push(
        `JSON keys: ${ref.model}=${JSON.stringify(ref.jsonKeys)} ${a.model}=${JSON.stringify(a.jsonKeys)}`,
      )
    }
  }
  return { identical: differences.length === 0, differences, answers }
}

/** Sends `request` through every model (in sequence, so latencies are comparable) and compares. */
export async function checkSwap(
  send: SwapSend,
  models: string[],
  request: Record<string, unknown> = DEFAULT_SWAP_REQUEST,
): Promise<SwapReport> {
  const answers: SwapAnswer[] = []
  for (const model of models) {
    const t0 = performance.now()
    try {
      const res = await send(model, { ...request, model, stream: false })
      answers.push(summarize(model, res, Math.round(performance.now() - t0)))
    } catch (err) {
      answers.push({
        model,
        finish: null,
        toolCalls: [],
        jsonKeys: null,
        usage: null,
        costUsd: null,
        latencyMs: Math.round(performance.now() - t0),
        error: (err as Error).message,
      })
    }
  }
  return compareAnswers(answers)
}
