/**
 * The provider registry: one line per translation adapter (keyed by wire); the
 * OpenAI-compatible kinds' quirks come from their folders (compat-kinds.ts). `registerProviderAdapters` bridges the translation adapters
 * onto the gateway's seam; `quirksFor` is what OpenAI-wire calls consult per kind.
 * @module
 */

import { adapterFor, registerAdapter } from '../gateway/provider-adapter.js'
import { bridgeTranslationAdapter } from '../gateway/translated-adapter.js'
import type { ProviderAdapter } from './adapter.js'
import { anthropicAdapter } from './anthropic/anthropic-provider.js'
import { azureOpenAIAdapter } from './azure-openai/azure-openai-provider.js'
import { bedrockAdapter } from './bedrock/bedrock-provider.js'
import { COMPAT_KINDS } from './compat-kinds.js'
import { geminiAdapter } from './gemini/gemini-provider.js'
import { kindInfo } from './kinds.js'
import type { OpenAICompatQuirks } from './translate/openai-compat-quirks.js'
import { vertexAdapter } from './vertex/vertex-provider.js'

/** Translation adapters by wire (kinds.ts `wire`). */
export const TRANSLATION_ADAPTERS: Record<string, ProviderAdapter> = {
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  vertex: vertexAdapter,
  bedrock: bedrockAdapter,
  'azure-openai': azureOpenAIAdapter,
}

/** Quirks of OpenAI-compatible kinds, from their folders (compat-kinds.ts; kinds without need none). */
export const QUIRKS: Record<string, OpenAICompatQuirks> = Object.fromEntries(
  COMPAT_KINDS.flatMap((k) => (k.quirks ? [[k.info.kind, k.quirks]] : [])),
)

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
