/**
 * Anthropic Messages request (a caller of `/v1/messages`) → canonical Chat request, so any
 * provider kind can serve it. `tool_result` blocks become `role:"tool"` messages placed before
 * the rest of their user turn; thinking blocks keep their signature in the extension fields.
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import { z } from 'zod'
import { badRequest } from '../../errors/app-error.js'
import { stringifyArguments } from '../translate/json-args.js'
import { toDataUri } from '../translate/media.js'
import type {
  ChatCompletionRequest,
  ChatContentPart,
  ChatMessage,
  ChatToolCall,
} from '../translate/openai-chat.js'
import type { TranslateContext } from '../translate/translate-context.js'

const block = z.looseObject({ type: z.string() })
const content = z.union([z.string(), z.array(block)])

/** Validation for the inbound body: the fields we translate, anything else passes through. */
export const anthropicInboundSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant', 'system']), content })),
  system: content.optional(),
  tools: z.array(z.looseObject({ name: z.string() })).optional(),
  tool_choice: z.looseObject({ type: z.string(), name: z.string().optional() }).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  top_k: z.number().optional(),
  stream: z.boolean().optional(),
  thinking: z.looseObject({ type: z.string(), budget_tokens: z.number().optional() }).optional(),
  output_config: z
    .looseObject({ format: z.looseObject({ type: z.string() }).optional(), effort: z.string().optional() })
    .optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
})
export type AnthropicInbound = z.infer<typeof anthropicInboundSchema>

type Block = Record<string, unknown> & { type: string }

function textOf(c: string | Block[]): string {
  if (typeof c === 'string') return c
  return c
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text ?? ''))
    .join('\n')
}

function effortFor(budget: number): string {
  if (budget < 2048) return 'low'
  if (budget < 8192) return 'medium'
  return 'high'
}

export function convertFromAnthropicRequest(
  body: AnthropicInbound,
  ctx: TranslateContext,
): ChatCompletionRequest {
  const messages: ChatMessage[] = []
  const system = body.system === undefined ? '' : textOf(body.system as string | Block[])
  if (system) messages.push({ role: 'system', content: system })

  for (const [i, m] of body.messages.entries()) {
    const blocks: Block[] =
      typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Block[])
    if (m.role === 'system') {
      messages.push({ role: 'system', content: textOf(blocks) })
    } else if (m.role === 'user') {
      const parts: ChatContentPart[] = []
      for (const b of blocks) {
        if (b.type === 'tool_result') {
          const c = (b.content ?? '') as string | Block[]
          if (typeof c !== 'string' && c.some((x) => x.type !== 'text')) {
            ctx.note(`messages[${i}]: non-text tool_result content sent as text only`)
          }
          const text = textOf(c)
          messages.push({
            role: 'tool',
            tool_call_id: String(b.tool_use_id ?? ''),
            content: b.is_error ? `Error: ${text}` : text,
          })
        } else if (b.type === 'text') parts.push({ type: 'text', text: String(b.text ?? '') })
        else if (b.type === 'image') parts.push({ type: 'image_url', image_url: { url: imageUrl(b, i) } })
        else ctx.unsupported(`messages[${i}].content.${b.type}`, 'block type cannot be translated')
      }
      if (parts.length) {
        const onlyText = parts.every((p) => p.type === 'text')
        messages.push({
          role: 'user',
          content: onlyText ? parts.map((p) => (p as { text: string }).text).join('\n') : parts,
        })
      }
    } else {
      let text = ''
      let reasoning = ''
      let signature: string | undefined
      const calls: ChatToolCall[] = []
      for (const b of blocks) {
        if (b.type === 'text') text += String(b.text ?? '')
        else if (b.type === 'tool_use') {
          calls.push({
            id: String(b.id ?? ''),
            type: 'function',
            function: { name: String(b.name ?? ''), arguments: stringifyArguments(b.input) },
          })
        } else if (b.type === 'thinking') {
          reasoning += String(b.thinking ?? '')
          if (typeof b.signature === 'string') signature = b.signature
        } else if (b.type === 'redacted_thinking') {
          // Encrypted reasoning only Anthropic can read: nothing to translate.
        } else ctx.unsupported(`messages[${i}].content.${b.type}`, 'block type cannot be translated')
      }
      messages.push({
        role: 'assistant',
        content: text || (calls.length ? null : ''),
        ...(calls.length ? { tool_calls: calls } : {}),
        ...(reasoning ? { reasoning_content: reasoning } : {}),
        ...(signature ? { reasoning_signature: signature } : {}),
      })
    }
  }

  const out: ChatCompletionRequest = { model: body.model, messages }
  if (body.max_tokens !== undefined) out.max_tokens = body.max_tokens
  if (body.stream) {
    out.stream = true
    out.stream_options = { include_usage: true }
  }
  if (body.stop_sequences?.length) out.stop = body.stop_sequences
  if (body.temperature !== undefined) out.temperature = body.temperature
  if (body.top_p !== undefined) out.top_p = body.top_p
  if (body.top_k !== undefined) out.top_k = body.top_k
  if (body.metadata?.user_id) out.user = body.metadata.user_id
  if (body.thinking?.type === 'enabled' && body.thinking.budget_tokens) {
    out.thinking_budget = body.thinking.budget_tokens
    out.reasoning_effort = effortFor(body.thinking.budget_tokens)
  } else if (body.thinking?.type === 'adaptive' || body.output_config?.effort) {
    out.reasoning_effort = body.output_config?.effort ?? 'medium'
  }
  if (body.tools?.length) {
    out.tools = body.tools.map((t, i) => {
      if (!('input_schema' in t)) {
        throw badRequest(
          `tools[${i}] ('${t.name}') is an Anthropic server tool; only custom tools can be translated`,
          {
            param: `tools[${i}]`,
          },
        )
      }
      return {
        type: 'function' as const,
        function: {
          name: t.name,
          ...(typeof t.description === 'string' ? { description: t.description } : {}),
          parameters: t.input_schema as Record<string, unknown>,
          ...(t.strict === true ? { strict: true } : {}),
        },
      }
    })
  }
  const tc = body.tool_choice
  if (tc) {
    if (tc.type === 'auto') out.tool_choice = 'auto'
    else if (tc.type === 'any') out.tool_choice = 'required'
    else if (tc.type === 'none') out.tool_choice = 'none'
    else if (tc.type === 'tool' && tc.name)
      out.tool_choice = { type: 'function', function: { name: tc.name } }
    if (tc.disable_parallel_tool_use === true) out.parallel_tool_calls = false
  }
  const fmt = body.output_config?.format
  if (fmt?.type === 'json_schema') {
    out.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: (fmt.schema ?? { type: 'object' }) as Record<string, unknown> },
    }
  }
  return out
}

function imageUrl(b: Block, i: number): string {
  const src = b.source as Record<string, unknown> | undefined
  if (src?.type === 'base64') return toDataUri({ mediaType: String(src.media_type), data: String(src.data) })
  if (src?.type === 'url') return String(src.url)
  throw badRequest(
    `messages[${i}]: image source '${String(src?.type)}' cannot be translated (use base64 or url)`,
  )
}
