/**
 * Chat Completions request → Bedrock Converse request. Images must already be inline (the
 * provider fetches remote URLs first: Converse takes bytes or S3 only). `tool_choice:"none"`
 * keeps the tool list (Converse requires toolConfig whenever the history holds tool blocks)
 * and omits toolChoice. JSON schema uses native `outputConfig` (schema as a JSON *string*).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see ../../../../shared/PROVIDERS.md §5, §10
 * @module
 */
import { badRequest } from '../../errors/app-error.js'
import { parseArguments, tryParseJson } from '../translate/json-args.js'
import { parseDataUri } from '../translate/media.js'
import {
  type ChatCompletionRequest,
  type ChatMessage,
  contentParts,
  contentText,
  maxOutputTokens,
  stopList,
} from '../translate/openai-chat.js'
import { JSON_TOOL_NAME, jsonTarget } from '../translate/structured-output.js'
import type { TranslateContext } from '../translate/translate-context.js'
import { appendTurn } from '../translate/turns.js'
import type { BedrockConverseRequest } from './bedrock-api.js'

const FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
}
const EFFORT_BUDGET: Record<string, number> = {
  low: 1024,
  medium: 4096,
  high: 16384,
  xhigh: 32000,
  max: 32000,
}

/** Whether a Bedrock model id is an Anthropic Claude model (inference profiles included). */
export function isBedrockAnthropic(model: string): boolean {
  return /(^|[.:/])anthropic\./.test(model)
}

export function convertToBedrockRequest(
  req: ChatCompletionRequest,
  model: string,
  ctx: TranslateContext,
): BedrockConverseRequest {
  const system: { text: string }[] = []
  const messages: BedrockConverseRequest['messages'] = []
  const push = (role: 'user' | 'assistant', content: Record<string, unknown>[]) =>
    appendTurn(messages, 'content', role, content)
  for (const [i, m] of req.messages.entries()) {
    switch (m.role) {
      case 'system':
      case 'developer': {
        const t = contentText(m.content)
        if (t) system.push({ text: t })
        break
      }
      case 'user':
        push('user', userBlocks(m, i))
        break
      case 'assistant': {
        const blocks: Record<string, unknown>[] = []
        if (m.reasoning_content && m.reasoning_signature) {
          blocks.push({
            reasoningContent: {
              reasoningText: { text: m.reasoning_content, signature: m.reasoning_signature },
            },
          })
        }
        const text = contentText(m.content)
        if (text) blocks.push({ text })
        for (const c of m.tool_calls ?? []) {
          blocks.push({
            toolUse: { toolUseId: c.id, name: c.function.name, input: parseArguments(c.function.arguments) },
          })
        }
        push('assistant', blocks)
        break
      }
      case 'tool': {
        const text = contentText(m.content)
        const json = tryParseJson(text)
        const content =
          json && typeof json === 'object' && !Array.isArray(json) ? [{ json }] : [{ text: text || ' ' }]
        push('user', [{ toolResult: { toolUseId: m.tool_call_id ?? '', content } }])
        break
      }
      default:
        throw badRequest(`messages[${i}].role '${String((m as ChatMessage).role)}' is not supported`)
    }
  }
  if (messages.length === 0) throw badRequest('messages must contain at least one user or assistant message')

  const out: BedrockConverseRequest = { messages }
  if (system.length) out.system = system
  const inf: NonNullable<BedrockConverseRequest['inferenceConfig']> = {}
  const max = maxOutputTokens(req)
  if (max != null) inf.maxTokens = max
  if (req.temperature != null) inf.temperature = req.temperature
  if (req.top_p != null) inf.topP = req.top_p
  const stops = stopList(req.stop)
  if (stops) inf.stopSequences = stops
  const extra: Record<string, unknown> = {}
  const anthropicModel = isBedrockAnthropic(model)
  if (req.top_k != null) {
    if (anthropicModel) extra.top_k = req.top_k
    else ctx.unsupported('top_k', `not supported by bedrock model ${model}`)
  }
  const budget =
    req.thinking_budget ?? (req.reasoning_effort ? EFFORT_BUDGET[req.reasoning_effort] : undefined)
  if (budget) {
    if (anthropicModel) {
      extra.thinking = { type: 'enabled', budget_tokens: Math.max(1024, budget) }
      if ((inf.maxTokens ?? 0) <= budget) inf.maxTokens = Math.max(1024, budget) + 4096
      delete inf.temperature
      delete inf.topP
    } else ctx.unsupported('reasoning_effort', `not mapped for bedrock model ${model}`)
  }
  if (req.n != null && req.n > 1) ctx.unsupported('n', 'Bedrock returns one choice per request')
  ctx.unsupportedIfSet(req, [
    'seed',
    'presence_penalty',
    'frequency_penalty',
    'logit_bias',
    'logprobs',
    'top_logprobs',
  ])
  if (req.parallel_tool_calls === false)
    ctx.unsupported('parallel_tool_calls', 'Converse cannot limit parallel calls')
  if (Object.keys(inf).length) out.inferenceConfig = inf
  if (Object.keys(extra).length) out.additionalModelRequestFields = extra

  if (req.tools?.length) {
    out.toolConfig = {
      tools: req.tools.map((t) => ({
        toolSpec: {
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
        },
      })),
    }
    const tc = req.tool_choice
    if (tc === 'auto') out.toolConfig.toolChoice = { auto: {} }
    else if (tc === 'required') out.toolConfig.toolChoice = { any: {} }
    else if (tc === 'none')
      ctx.note('tool_choice none: Converse has no "none"; tools kept, choice left to the model')
    else if (tc) out.toolConfig.toolChoice = { tool: { name: tc.function.name } }
  }
  const json = jsonTarget(req)
  if (json?.kind === 'json_schema') {
    out.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(json.schema), name: json.name } },
      },
    }
  } else if (json) {
    out.toolConfig = {
      tools: [
        ...(out.toolConfig?.tools ?? []),
        {
          toolSpec: {
            name: JSON_TOOL_NAME,
            description: 'Respond with the final answer as JSON.',
            inputSchema: { json: json.schema },
          },
        },
      ],
      toolChoice: { tool: { name: JSON_TOOL_NAME } },
    }
  }
  return out
}

function userBlocks(m: ChatMessage, i: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const p of contentParts(m.content)) {
    if (p.type === 'text') {
      const text = String((p as { text: string }).text)
      if (text) out.push({ text })
    } else if (p.type === 'image_url') {
      const url = (p as { image_url: { url: string } }).image_url.url
      const inline = parseDataUri(url)
      if (!inline)
        throw badRequest(`messages[${i}]: Bedrock needs inline images (remote URL was not fetched)`)
      const format = FORMATS[inline.mediaType]
      if (!format)
        throw badRequest(`messages[${i}]: image type ${inline.mediaType} is not supported by Bedrock`)
      out.push({ image: { format, source: { bytes: inline.data } } })
    } else throw badRequest(`messages[${i}] content part '${p.type}' is not supported by Bedrock`)
  }
  return out
}
