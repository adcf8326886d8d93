/**
 * Ollama (local): the API key is ignored; OpenAI-compatible at `/v1`, embeddings included.
 * Nothing to adjust beyond the canonical stripping.
 * @see https://github.com/ollama/ollama/blob/main/docs/openai.md
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const ollamaQuirks: OpenAICompatQuirks = { kind: 'ollama' }
