/**
 * Moonshot Kimi: thinking models emit `reasoning_content` and require it replayed on
 * assistant tool-call messages ("reasoning_content is missing in assistant tool call message").
 * @see https://platform.moonshot.ai/docs/api/chat
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const moonshotQuirks: OpenAICompatQuirks = { kind: 'moonshot', replayReasoning: true }
