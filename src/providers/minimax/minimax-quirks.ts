/**
 * MiniMax: over `/v1` reasoning comes inline as `<think>…</think>` in `content`; it is split
 * into `reasoning_content` (responses and streams). The API prefers `max_completion_tokens`.
 * @see https://platform.minimax.io/docs/api-reference/text-openai-api
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'
import { splitThink, ThinkSplitter } from './minimax-think-splitter.js'

export const minimaxQuirks: OpenAICompatQuirks = {
  kind: 'minimax',
  prepareRequest(body) {
    if (body.max_tokens == null || body.max_completion_tokens != null) return body
    const { max_tokens, ...rest } = body
    return { ...rest, max_completion_tokens: max_tokens }
  },
  normalizeResponse: (res) => ({
    ...res,
    choices: res.choices.map((c) => {
      if (typeof c.message.content !== 'string' || !c.message.content.includes('<think>')) return c
      const { content, reasoning } = splitThink(c.message.content)
      return { ...c, message: { ...c.message, content, reasoning_content: reasoning } }
    }),
  }),
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
