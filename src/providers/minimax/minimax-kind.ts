/** The minimax kind: registry entry, capabilities, quirks and pass-through repairs (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { minimaxBodyFailure } from './minimax-base-resp.js'
import { minimaxQuirks } from './minimax-quirks.js'

export const minimaxKind: CompatKind = {
  info: openaiCompatible('minimax', 'MiniMax', 'sovereign', 'https://api.minimax.io/v1', {
    regions: { international: 'https://api.minimax.io/v1', china: 'https://api.minimaxi.com/v1' },
  }),
  capabilities: { ...ALL_CAPABILITIES, vision: false, embeddings: false },
  quirks: minimaxQuirks,
  passThrough: { failureInBody: minimaxBodyFailure },
}
