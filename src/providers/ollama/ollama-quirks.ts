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
import {
  type OpenAICompatQuirks,
  reasoningFieldRenamed,
  reasoningReplayedAs,
} from '../translate/openai-compat-quirks.js'

export const ollamaQuirks: OpenAICompatQuirks = {
  kind: 'ollama',
  replayReasoning: true,
  prepareRequest: reasoningReplayedAs('reasoning'),
  ...reasoningFieldRenamed(),
}
