/**
 * Chat Completions request → Anthropic Messages request.
 * System/developer messages become top-level `system`; tool results become `tool_result`
 * blocks in the next user turn; adjacent same-role turns merge (Anthropic needs alternation);
 * `json_schema` maps to native `output_config.format`, `json_object` to a forced tool.
 * @see https://docs.anthropic.com/en/api/messages
 * @see ../../../../shared/PROVIDERS.md §3, §10
 * @module
 */
import { badRequest } from '../../errors/app-error.js'
import { parseArguments } from '../translate/json-args.js'
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
import type { AnthropicRequest, AnthropicRequestBlock } from './anthropic-api.js'

/** Used when the caller sets no limit (Anthropic requires `max_tokens`). */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 8192

/** Thinking budget per OpenAI `reasoning_effort`. */
const EFFORT_BUDGET: Record<string, number> = {
  low: 1024,
  medium: 4096,
  high: 16384,
  xhigh: 32000,
  max: 32000,
}

export interface AnthropicRequestOptions {
  /** json_schema via forced tool instead of native output_config (older models, Bedrock invoke). */
  forceToolForJson?: boolean
}

export function convertToAnthropicRequest(
  req: ChatCompletionRequest,
  model: string,
  ctx: TranslateContext,
  opts: AnthropicRequestOptions = {},
): AnthropicRequest {
  const system: { type: 'text'; text: string }[] = []
  const messages: AnthropicRequest['messages'] = []
  const push = (role: 'user' | 'assistant', blocks: AnthropicRequestBlock[]) =>
    appendTurn(messages, 'content', role, blocks)
  for (const [i, m] of req.messages.entries()) {
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = contentText(m.content)
        if (text) system.push({ type: 'text', text })
        break
      }
      case 'user':
        push('user', userBlocks(m, i))
        break
      case 'assistant':
        push('assistant', assistantBlocks(m))
        break
      case 'tool': {
        if (!m.tool_call_id)
          throw badRequest(`messages[${i}].tool_call_id is required`, { param: `messages[${i}]` })
        const block: AnthropicRequestBlock = {
          type: 'tool_result',
          tool_use_id: m.tool_call_id,
          content: contentText(m.content),
        }
        // tool_result blocks must come first in their user turn: insert before any text already merged.
        const last = messages[messages.length - 1]
        if (last?.role === 'user') {
          const firstNonResult = last.content.findIndex((b) => b.type !== 'tool_result')
          if (firstNonResult === -1) last.content.push(block)
          else last.content.splice(firstNonResult, 0, block)
        } else push('user', [block])
        break
      }
      default:
        throw badRequest(`messages[${i}].role '${String((m as ChatMessage).role)}' is not supported`)
    }
  }
  if (messages.length === 0) throw badRequest('messages must contain at least one user or assistant message')

  const out: AnthropicRequest = {
    model,
    max_tokens: maxOutputTokens(req) ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
  }
  if (system.length) out.system = system
  if (req.stream) out.stream = true
  const stops = stopList(req.stop)
  if (stops) out.stop_sequences = stops
  if (req.temperature != null) {
    // OpenAI allows 0–2, Anthropic 0–1: clamp rather than fail.
    if (req.temperature > 1) ctx.note(`temperature ${req.temperature} clamped to 1 (Anthropic range 0–1)`)
    out.temperature = Math.min(1, req.temperature)
  }
  if (req.top_p != null) out.top_p = req.top_p
  if (req.top_k != null) out.top_k = req.top_k
  if (req.user) out.metadata = { user_id: req.user }
  if (req.n != null && req.n > 1) ctx.unsupported('n', 'Anthropic returns one choice per request')
  ctx.unsupportedIfSet(req, [
    'seed',
    'presence_penalty',
    'frequency_penalty',
    'logit_bias',
    'logprobs',
    'top_logprobs',
  ])

  const budget =
    req.thinking_budget ?? (req.reasoning_effort ? EFFORT_BUDGET[req.reasoning_effort] : undefined)
  if (budget) {
    out.thinking = { type: 'enabled', budget_tokens: Math.max(1024, budget) }
    // budget_tokens must stay below max_tokens.
    if (out.max_tokens <= out.thinking.budget_tokens) out.max_tokens = out.thinking.budget_tokens + 4096
    if (out.temperature !== undefined && out.temperature !== 1) {
      ctx.unsupported('temperature', 'Anthropic extended thinking requires temperature 1')
      delete out.temperature
    }
  }

  if (req.tools?.length) {
    out.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: (t.function.parameters ?? { type: 'object', properties: {} }) as Record<string, unknown>,
      ...(t.function.strict ? { strict: true } : {}),
    }))
  }
  const tc = req.tool_choice
  if (tc !== undefined) {
    if (tc === 'auto') out.tool_choice = { type: 'auto' }
    else if (tc === 'required') out.tool_choice = { type: 'any' }
    else if (tc === 'none') out.tool_choice = { type: 'none' }
    else out.tool_choice = { type: 'tool', name: tc.function.name }
  }
  if (req.parallel_tool_calls === false && out.tools) {
    out.tool_choice = { ...(out.tool_choice ?? { type: 'auto' }), disable_parallel_tool_use: true }
  }

  const json = jsonTarget(req)
  if (json) {
    if (json.kind === 'json_schema' && !opts.forceToolForJson) {
      out.output_config = { format: { type: 'json_schema', schema: json.schema } }
    } else {
      if (out.thinking) ctx.unsupported('thinking', 'Anthropic cannot force a tool while thinking')
      delete out.thinking
      out.tools = [
        ...(out.tools ?? []),
        {
          name: JSON_TOOL_NAME,
          description: 'Respond with the final answer as JSON.',
          input_schema: json.schema,
        },
      ]
      out.tool_choice = { type: 'tool', name: JSON_TOOL_NAME }
    }
  }
  return out
}

function userBlocks(m: ChatMessage, i: number): AnthropicRequestBlock[] {
  const blocks: AnthropicRequestBlock[] = []
  for (const part of contentParts(m.content)) {
    if (part.type === 'text') blocks.push({ type: 'text', text: String((part as { text: string }).text) })
    else if (part.type === 'image_url') {
      const url = (part as { image_url: { url: string } }).image_url.url
      const inline = parseDataUri(url)
      blocks.push({
        type: 'image',
        source: inline
          ? { type: 'base64', media_type: inline.mediaType, data: inline.data }
          : { type: 'url', url },
      })
    } else throw badRequest(`messages[${i}] content part '${part.type}' is not supported by Anthropic`)
  }
  return blocks
}

function assistantBlocks(m: ChatMessage): AnthropicRequestBlock[] {
  const blocks: AnthropicRequestBlock[] = []
  // Thinking must be replayed with its signature on tool-use turns; unsigned reasoning is dropped.
  if (m.reasoning_content && m.reasoning_signature) {
    blocks.push({ type: 'thinking', thinking: m.reasoning_content, signature: m.reasoning_signature })
  }
  const text = contentText(m.content)
  if (text) blocks.push({ type: 'text', text })
  for (const call of m.tool_calls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments),
    })
  }
  return blocks
}
