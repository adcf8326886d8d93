/** The mistral kind: registry entry, capabilities, quirks and pass-through repairs (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { indexToolCalls, mistralQuirks } from './mistral-quirks.js'

export const mistralKind: CompatKind = {
  info: openaiCompatible('mistral', 'Mistral', 'sovereign', 'https://api.mistral.ai/v1'),
  capabilities: { ...ALL_CAPABILITIES, vision: /pixtral|mistral-(medium|small)-(2|latest)|magistral/ },
  quirks: mistralQuirks,
  passThrough: { noStreamOptions: true, toolCallChunks: indexToolCalls },
}
