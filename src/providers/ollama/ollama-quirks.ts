/**
 * Ollama (local): the API key is ignored; OpenAI-compatible at `/v1`, embeddings included.
 * Thinking models answer with `reasoning` (`message.reasoning`, `delta.reasoning`), renamed to
 * the canonical `reasoning_content`. Replayed reasoning goes back as `reasoning` on assistant
 * turns: that is the field Ollama reads into the model's thinking (`reasoning_content` would be
 * ignored).
 * @see https://docs.ollama.com/api/openai-compatibility
 * @see https://github.com/ollama/ollama/blob/main/openai/openai.go (Message.Reasoning)
 * @module
 */
import type { ChatMessage } from '../translate/openai-chat.js'
import { type OpenAICompatQuirks, reasoningFieldRenamed } from '../translate/openai-compat-quirks.js'

export const ollamaQuirks: OpenAICompatQuirks = {
  kind: 'ollama',
  replayReasoning: true,
  prepareRequest(body) {
    if (!body.messages.some((m) => m.reasoning_content)) return body
    return {
      ...body,
      messages: body.messages.map(({ reasoning_content, ...m }) =>
        reasoning_content ? ({ ...m, reasoning: reasoning_content } as ChatMessage) : m,
      ),
    }
  },
  ...reasoningFieldRenamed(),
}
