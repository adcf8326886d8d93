/**
 * The provider registry: one line per translation adapter (keyed by wire) and one line per
 * OpenAI-compatible kind's quirks. `registerProviderAdapters` bridges the translation adapters
 * onto the gateway's seam; `quirksFor` is what OpenAI-wire calls consult per kind.
 * @module
 */

import { adapterFor, registerAdapter } from '../gateway/provider-adapter.js'
import { bridgeTranslationAdapter } from '../gateway/translated-adapter.js'
import type { ProviderAdapter } from './adapter.js'
import { anthropicAdapter } from './anthropic/anthropic-provider.js'
import { azureOpenAIAdapter } from './azure-openai/azure-openai-provider.js'
import { bedrockAdapter } from './bedrock/bedrock-provider.js'
import { deepseekQuirks } from './deepseek/deepseek-quirks.js'
import { geminiAdapter } from './gemini/gemini-provider.js'
import { groqQuirks } from './groq/groq-quirks.js'
import { kindInfo } from './kinds.js'
import { lmstudioQuirks } from './lmstudio/lmstudio-quirks.js'
import { minimaxQuirks } from './minimax/minimax-quirks.js'
import { mistralQuirks } from './mistral/mistral-quirks.js'
import { moonshotQuirks } from './moonshot/moonshot-quirks.js'
import { ollamaQuirks } from './ollama/ollama-quirks.js'
import { qwenQuirks } from './qwen/qwen-quirks.js'
import type { OpenAICompatQuirks } from './translate/openai-compat-quirks.js'
import { vertexAdapter } from './vertex/vertex-provider.js'
import { vllmQuirks } from './vllm/vllm-quirks.js'
import { zhipuQuirks } from './zhipu/zhipu-quirks.js'

/** Translation adapters by wire (kinds.ts `wire`). */
export const TRANSLATION_ADAPTERS: Record<string, ProviderAdapter> = {
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  vertex: vertexAdapter,
  bedrock: bedrockAdapter,
  'azure-openai': azureOpenAIAdapter,
}

/** Quirks of OpenAI-compatible kinds (kinds without an entry need none). */
export const QUIRKS: Record<string, OpenAICompatQuirks> = {
  mistral: mistralQuirks,
  groq: groqQuirks,
  deepseek: deepseekQuirks,
  qwen: qwenQuirks,
  zhipu: zhipuQuirks,
  moonshot: moonshotQuirks,
  minimax: minimaxQuirks,
  ollama: ollamaQuirks,
  lmstudio: lmstudioQuirks,
  vllm: vllmQuirks,
}

export function translationAdapterFor(kind: string): ProviderAdapter | undefined {
  const wire = kindInfo(kind)?.wire
  return wire ? TRANSLATION_ADAPTERS[wire] : undefined
}

export function quirksFor(kind: string): OpenAICompatQuirks | undefined {
  return Object.hasOwn(QUIRKS, kind) ? QUIRKS[kind] : undefined
}

/** Registers every translation adapter the gateway does not have yet (idempotent). */
export function registerProviderAdapters(): void {
  for (const t of Object.values(TRANSLATION_ADAPTERS)) {
    if (!adapterFor(t.wire)) registerAdapter(bridgeTranslationAdapter(t))
  }
}
