/**
 * vLLM (self-hosted): accepts `top_k`; reasoning parsers emit `reasoning_content`, renamed
 * `reasoning` in newer versions — normalised back to `reasoning_content`.
 * @see https://docs.vllm.ai/en/latest/features/reasoning_outputs.html
 * @module
 */
import { type OpenAICompatQuirks, reasoningFieldRenamed } from '../translate/openai-compat-quirks.js'

export const vllmQuirks: OpenAICompatQuirks = {
  kind: 'vllm',
  topK: true,
  ...reasoningFieldRenamed(),
}
