/** The mistral kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { mistralQuirks } from './mistral-quirks.js'

export const mistralKind: CompatKind = {
  info: openaiCompatible('mistral', 'Mistral', 'sovereign', 'https://api.mistral.ai/v1'),
  capabilities: { ...ALL_CAPABILITIES, vision: /pixtral|mistral-(medium|small)-(2|latest)|magistral/ },
  quirks: mistralQuirks,
}
