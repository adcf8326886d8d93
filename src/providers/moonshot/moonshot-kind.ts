/** The moonshot kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { moonshotQuirks } from './moonshot-quirks.js'

export const moonshotKind: CompatKind = {
  info: openaiCompatible('moonshot', 'Moonshot Kimi', 'sovereign', 'https://api.moonshot.ai/v1', {
    regions: { international: 'https://api.moonshot.ai/v1', china: 'https://api.moonshot.cn/v1' },
  }),
  capabilities: {
    ...ALL_CAPABILITIES,
    vision: /vision|kimi-latest|k2\.5|thinking-vision/,
    embeddings: false,
  },
  quirks: moonshotQuirks,
}
