/** The deepseek kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { deepseekQuirks } from './deepseek-quirks.js'

export const deepseekKind: CompatKind = {
  info: openaiCompatible('deepseek', 'DeepSeek', 'sovereign', 'https://api.deepseek.com/v1'),
  capabilities: { ...ALL_CAPABILITIES, vision: false, embeddings: false, jsonSchema: false },
  quirks: deepseekQuirks,
}
