/** The ollama kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { ollamaQuirks } from './ollama-quirks.js'

export const ollamaKind: CompatKind = {
  info: openaiCompatible('ollama', 'Ollama', 'local', 'http://127.0.0.1:11434/v1', {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
  capabilities: ALL_CAPABILITIES,
  quirks: ollamaQuirks,
}
