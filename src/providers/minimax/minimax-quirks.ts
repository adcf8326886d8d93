/**
 * MiniMax: over `/v1` reasoning comes inline as `<think>…</think>` in `content`; it is split
 * into `reasoning_content` (responses and streams), and put back inline on replayed assistant
 * turns (MiniMax asks for the whole previous answer, `<think>` included, in multi-turn tool use).
 * The API prefers `max_completion_tokens` and takes `temperature` in (0, 1] only. Errors may come
 * as HTTP 200 with `choices: null` and a `base_resp` code (minimax-base-resp.ts).
 * @see https://platform.minimax.io/docs/api-reference/text-openai-api
 * @see https://platform.minimax.io/docs/guides/text-m2-function-call
 * @module
 */
import type { ChatMessage } from '../translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'
import { minimaxBaseRespError } from './minimax-base-resp.js'
import { splitThink, ThinkSplitter } from './minimax-think-splitter.js'

/** Sent for `temperature: 0` (MiniMax's range excludes 0; the closest value it accepts). */
const LOWEST_TEMPERATURE = 0.01

/** An assistant turn with its reasoning inline again, as MiniMax wrote it. */
function withThinkInline({ reasoning_content: reasoning, ...m }: ChatMessage): ChatMessage {
  if (!reasoning) return m
  const think = `<think>${reasoning}</think>`
  if (Array.isArray(m.content))
    return { ...m, content: [{ type: 'text', text: `${think}\n\n` }, ...m.content] }
  return { ...m, content: m.content ? `${think}\n\n${m.content}` : think }
}

export const minimaxQuirks: OpenAICompatQuirks = {
  kind: 'minimax',
  replayReasoning: true,
  prepareRequest(body, ctx) {
    let out = body
    if (out.max_tokens != null && out.max_completion_tokens == null) {
      const { max_tokens, ...rest } = out
      out = { ...rest, max_completion_tokens: max_tokens }
    }
    const t = out.temperature
    if (t != null && (t <= 0 || t > 1)) {
      const sent = t <= 0 ? LOWEST_TEMPERATURE : 1
      ctx.note(`temperature: MiniMax accepts (0, 1]; ${t} sent as ${sent}`)
      out = { ...out, temperature: sent }
    }
    if (out.messages.some((m) => m.reasoning_content))
      out = { ...out, messages: out.messages.map(withThinkInline) }
    return out
  },
  normalizeResponse(res) {
    // `choices: null` comes with a base_resp error on HTTP 200.
    if (!Array.isArray(res.choices)) throw minimaxBaseRespError(res)
    return {
      ...res,
      choices: res.choices.map((c) => {
        if (typeof c.message.content !== 'string' || !c.message.content.includes('<think>')) return c
        const { content, reasoning } = splitThink(c.message.content)
        return { ...c, message: { ...c.message, content, reasoning_content: reasoning } }
      }),
    }
  },
  createStreamNormalizer() {
    const splitters = new Map<number, ThinkSplitter>()
    return (chunk) => ({
      ...chunk,
      choices: chunk.choices.map((c) => {
        let sp = splitters.get(c.index)
        if (!sp) {
          sp = new ThinkSplitter()
          splitters.set(c.index, sp)
        }
        const piece =
          typeof c.delta.content === 'string' ? sp.push(c.delta.content) : { content: '', reasoning: '' }
        // On the final chunk, release anything held back for a tag that never completed.
        const tail = c.finish_reason ? sp.flush() : { content: '', reasoning: '' }
        const content = piece.content + tail.content
        const reasoning = piece.reasoning + tail.reasoning
        const { content: _c, ...delta } = c.delta
        return {
          ...c,
          delta: {
            ...delta,
            ...(content ? { content } : {}),
            ...(reasoning ? { reasoning_content: reasoning } : {}),
          },
        }
      }),
    })
  },
}
