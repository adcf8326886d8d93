/** The lmstudio kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { lmstudioQuirks } from './lmstudio-quirks.js'

export const lmstudioKind: CompatKind = {
  info: openaiCompatible('lmstudio', 'LM Studio', 'local', 'http://127.0.0.1:1234/v1', {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
  capabilities: ALL_CAPABILITIES,
  quirks: lmstudioQuirks,
}
