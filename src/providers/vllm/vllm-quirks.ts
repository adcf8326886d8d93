/**
 * vLLM (self-hosted): accepts `top_k`; reasoning parsers emit `reasoning_content`, renamed
 * `reasoning` in newer versions — normalised back to `reasoning_content`. Replayed reasoning goes
 * back as `reasoning` on assistant turns: vLLM reads that field (older `reasoning_content` is
 * renamed to it) and hands it to the chat template, which interleaved-thinking models need on
 * tool-call turns.
 * @see https://docs.vllm.ai/en/latest/features/reasoning_outputs.html
 * @see https://docs.vllm.ai/en/latest/features/interleaved_thinking.html
 * @module
 */
import {
  type OpenAICompatQuirks,
  reasoningFieldRenamed,
  reasoningReplayedAs,
} from '../translate/openai-compat-quirks.js'

export const vllmQuirks: OpenAICompatQuirks = {
  kind: 'vllm',
  topK: true,
  replayReasoning: true,
  prepareRequest: reasoningReplayedAs('reasoning'),
  ...reasoningFieldRenamed(),
}
