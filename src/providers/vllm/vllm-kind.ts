/** The vllm kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { vllmQuirks } from './vllm-quirks.js'

export const vllmKind: CompatKind = {
  info: openaiCompatible('vllm', 'vLLM', 'local', 'http://127.0.0.1:8000/v1', {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
  capabilities: ALL_CAPABILITIES,
  quirks: vllmQuirks,
}
