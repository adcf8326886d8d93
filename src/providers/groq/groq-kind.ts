/** The groq kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { groqQuirks } from './groq-quirks.js'

export const groqKind: CompatKind = {
  info: openaiCompatible('groq', 'Groq', 'frontier', 'https://api.groq.com/openai/v1'),
  capabilities: { ...ALL_CAPABILITIES, vision: /llama-4|vision/, embeddings: false },
  quirks: groqQuirks,
}
