/**
 * The OpenAI-compatible kinds that have a folder of their own, one line each: adding such a
 * provider is its folder (`<kind>-kind.ts`: registry entry, capabilities, quirks, pass-through
 * repairs; fixtures and tests) plus its line here. kinds.ts, capabilities.ts, registry.ts and
 * the OpenAI-wire adapter read this list.
 * @module
 */

import { deepseekKind } from './deepseek/deepseek-kind.js'
import { groqKind } from './groq/groq-kind.js'
import type { CompatKind, PassThroughRepairs } from './kind-definition.js'
import { lmstudioKind } from './lmstudio/lmstudio-kind.js'
import { minimaxKind } from './minimax/minimax-kind.js'
import { mistralKind } from './mistral/mistral-kind.js'
import { moonshotKind } from './moonshot/moonshot-kind.js'
import { ollamaKind } from './ollama/ollama-kind.js'
import { qwenKind } from './qwen/qwen-kind.js'
import { vllmKind } from './vllm/vllm-kind.js'
import { zhipuKind } from './zhipu/zhipu-kind.js'

export const COMPAT_KINDS: readonly CompatKind[] = [
  mistralKind,
  groqKind,
  deepseekKind,
  qwenKind,
  zhipuKind,
  moonshotKind,
  minimaxKind,
  ollamaKind,
  lmstudioKind,
  vllmKind,
]

const REPAIRS: Record<string, PassThroughRepairs> = Object.fromEntries(
  COMPAT_KINDS.flatMap((k) => (k.passThrough ? [[k.info.kind, k.passThrough]] : [])),
)

/** The pass-through repairs of a kind (kind-definition.ts), if it has any. */
export function passThroughRepairs(kind: string): PassThroughRepairs | undefined {
  return Object.hasOwn(REPAIRS, kind) ? REPAIRS[kind] : undefined
}
