/**
 * What defines a provider kind: its registry entry (category, wire, base URL, regions, secret
 * style) and its capabilities, plus — for an OpenAI-compatible kind with a folder of its own —
 * its quirks. Kept free of imports with side effects so every kind folder can use it.
 * @module
 */
import type { OpenAICompatQuirks } from './translate/openai-compat-quirks.js'

export type Category = 'frontier' | 'sovereign' | 'local'

/** The wire format a kind speaks upstream. */
export type Wire = 'openai' | 'azure-openai' | 'anthropic' | 'gemini' | 'vertex' | 'bedrock' | 'none'

/** How the secret material is given: a single API key, structured fields, or nothing. */
export type SecretStyle = 'apiKey' | 'apiKeyOptional' | 'secret'

export interface KindInfo {
  kind: string
  label: string
  category: Category
  wire: Wire
  /** Default base URL (DESIGN.md convention: includes /v1 for OpenAI-compatible kinds). */
  defaultBaseUrl: string | null
  /** Region name → base URL, where the provider has regional endpoints. */
  regions?: Record<string, string>
  secret: SecretStyle
  /** Base URL must be given (self-hosted kinds whose address we cannot guess well). */
  baseUrlRequired: boolean
}

/** A kind whose upstream speaks OpenAI's wire (defaults: `apiKey`, base URL optional). */
export const openaiCompatible = (
  kind: string,
  label: string,
  category: Category,
  defaultBaseUrl: string | null,
  extra: Partial<KindInfo> = {},
): KindInfo => ({
  kind,
  label,
  category,
  wire: 'openai',
  defaultBaseUrl,
  secret: 'apiKey',
  baseUrlRequired: false,
  ...extra,
})

export type Capability = boolean | RegExp

export interface Capabilities {
  tools: Capability
  vision: Capability
  /** Native JSON-schema structured output (otherwise json_object or the forced-tool technique). */
  jsonSchema: Capability
  embeddings: Capability
  reasoning: Capability
  /** How models are listed: the provider's list endpoint, or only the credential's allow-list. */
  listModels: 'endpoint' | 'allow-list'
}

/** Every capability, for every model (local kinds: the loaded model decides). */
export const ALL_CAPABILITIES: Capabilities = {
  tools: true,
  vision: true,
  jsonSchema: true,
  embeddings: true,
  reasoning: true,
  listModels: 'endpoint',
}

/** An OpenAI-compatible kind defined by its folder (`src/providers/<kind>/<kind>-kind.ts`). */
export interface CompatKind {
  info: KindInfo
  capabilities: Capabilities
  /** Request/answer mapping when the kind differs from OpenAI's wire (absent: none needed). */
  quirks?: OpenAICompatQuirks
}
