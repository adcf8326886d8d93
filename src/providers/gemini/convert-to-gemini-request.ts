/**
 * Chat Completions request → Gemini generateContent request. Assistant = `model`; tool
 * results become `functionResponse` parts matched by *name* (looked up from the assistant's
 * earlier call id); JSON Schema goes through `parametersJsonSchema`/`responseJsonSchema`,
 * which take full JSON Schema (the older `parameters`/`responseSchema` take an OpenAPI subset).
 * @see https://ai.google.dev/api/generate-content
 * @see ../../../../shared/PROVIDERS.md §4, §10
 * @module
 */
import { badRequest } from '../../errors/app-error.js'
import { parseArguments, tryParseJson } from '../translate/json-args.js'
import { mediaTypeFromUrl, parseDataUri } from '../translate/media.js'
import {
  type ChatCompletionRequest,
  type ChatMessage,
  contentParts,
  contentText,
  maxOutputTokens,
  stopList,
} from '../translate/openai-chat.js'
import { jsonTarget } from '../translate/structured-output.js'
import type { TranslateContext } from '../translate/translate-context.js'
import { appendTurn } from '../translate/turns.js'
import type { GeminiRequest } from './gemini-api.js'

const EFFORT_BUDGET: Record<string, number> = {
  none: 0,
  minimal: 0,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
}

export interface GeminiRequestOptions {
  /** Vertex rejects `id` on functionCall/functionResponse parts (PROVIDERS.md §4, unconfirmed). */
  dropFunctionIds?: boolean
}

export function convertToGeminiRequest(
  req: ChatCompletionRequest,
  ctx: TranslateContext,
  opts: GeminiRequestOptions = {},
): GeminiRequest {
  const system: string[] = []
  const contents: GeminiRequest['contents'] = []
  const callNames = new Map<string, string>()
  const push = (role: 'user' | 'model', parts: Record<string, unknown>[]) =>
    appendTurn(contents, 'parts', role, parts)
  for (const [i, m] of req.messages.entries()) {
    switch (m.role) {
      case 'system':
      case 'developer': {
        const t = contentText(m.content)
        if (t) system.push(t)
        break
      }
      case 'user':
        push('user', userParts(m, i, ctx))
        break
      case 'assistant': {
        const parts: Record<string, unknown>[] = []
        const text = contentText(m.content)
        if (text) parts.push({ text })
        for (const [k, call] of (m.tool_calls ?? []).entries()) {
          callNames.set(call.id, call.function.name)
          parts.push({
            functionCall: {
              name: call.function.name,
              args: parseArguments(call.function.arguments),
              ...(opts.dropFunctionIds ? {} : { id: call.id }),
            },
            // Gemini 2.5+/3 wants the thought signature echoed on the first call of the turn.
            ...(k === 0 && m.reasoning_signature ? { thoughtSignature: m.reasoning_signature } : {}),
          })
        }
        if (parts.length === 0 && m.reasoning_content) parts.push({ text: '' })
        push('model', parts)
        break
      }
      case 'tool': {
        const id = m.tool_call_id ?? ''
        const name = callNames.get(id)
        if (!name) throw badRequest(`messages[${i}].tool_call_id '${id}' does not match an earlier tool call`)
        const text = contentText(m.content)
        const parsed = tryParseJson(text)
        const response =
          parsed && typeof parsed === 'object' && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : { content: text }
        push('user', [{ functionResponse: { name, response, ...(opts.dropFunctionIds ? {} : { id }) } }])
        break
      }
      default:
        throw badRequest(`messages[${i}].role '${String((m as ChatMessage).role)}' is not supported`)
    }
  }
  if (contents.length === 0) throw badRequest('messages must contain at least one user or assistant message')

  const out: GeminiRequest = { contents }
  if (system.length) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] }
  if (req.tools?.length) {
    out.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
        })),
      },
    ]
  }
  const tc = req.tool_choice
  if (tc !== undefined) {
    if (tc === 'auto') out.toolConfig = { functionCallingConfig: { mode: 'AUTO' } }
    else if (tc === 'required') out.toolConfig = { functionCallingConfig: { mode: 'ANY' } }
    else if (tc === 'none') out.toolConfig = { functionCallingConfig: { mode: 'NONE' } }
    else out.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [tc.function.name] } }
  }
  if (req.parallel_tool_calls === false)
    ctx.unsupported('parallel_tool_calls', 'Gemini cannot limit parallel calls')

  const gc: Record<string, unknown> = {}
  if (req.temperature != null) gc.temperature = req.temperature
  if (req.top_p != null) gc.topP = req.top_p
  if (req.top_k != null) gc.topK = req.top_k
  const max = maxOutputTokens(req)
  if (max != null) gc.maxOutputTokens = max
  const stops = stopList(req.stop)
  if (stops) gc.stopSequences = stops
  if (req.n != null && req.n > 1) gc.candidateCount = req.n
  if (req.seed != null) gc.seed = req.seed
  if (req.presence_penalty != null) gc.presencePenalty = req.presence_penalty
  if (req.frequency_penalty != null) gc.frequencyPenalty = req.frequency_penalty
  ctx.unsupportedIfSet(req, ['logit_bias', 'logprobs', 'top_logprobs'])
  const json = jsonTarget(req)
  if (json) {
    gc.responseMimeType = 'application/json'
    if (json.kind === 'json_schema') gc.responseJsonSchema = json.schema
  }
  const budget =
    req.thinking_budget ?? (req.reasoning_effort ? EFFORT_BUDGET[req.reasoning_effort] : undefined)
  if (budget !== undefined) gc.thinkingConfig = { thinkingBudget: budget, includeThoughts: budget > 0 }
  if (Object.keys(gc).length) out.generationConfig = gc
  return out
}

function userParts(m: ChatMessage, i: number, ctx: TranslateContext): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = []
  for (const p of contentParts(m.content)) {
    if (p.type === 'text') parts.push({ text: String((p as { text: string }).text) })
    else if (p.type === 'image_url') {
      const url = (p as { image_url: { url: string } }).image_url.url
      const inline = parseDataUri(url)
      if (inline) parts.push({ inlineData: { mimeType: inline.mediaType, data: inline.data } })
      else {
        ctx.note(`messages[${i}]: image URL sent as Gemini fileData (public URLs only)`)
        parts.push({ fileData: { mimeType: mediaTypeFromUrl(url), fileUri: url } })
      }
    } else throw badRequest(`messages[${i}] content part '${p.type}' is not supported by Gemini`)
  }
  return parts
}
