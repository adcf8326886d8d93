/**
 * What defines a provider kind: its registry entry (category, wire, base URL, regions, secret
 * style) and its capabilities, plus — for an OpenAI-compatible kind with a folder of its own —
 * its quirks and pass-through repairs. Type-only imports, so every kind folder (and kinds.ts,
 * which lists them) can use it without an import cycle.
 * @module
 */
import type { ChatCompletionChunk } from './translate/openai-chat.js'
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
  /**
   * The few repairs a caller's own OpenAI body and answer get on the pass-through, where the
   * kind's wire would otherwise break OpenAI clients (DESIGN.md: same wire is untouched).
   */
  passThrough?: PassThroughRepairs
}

export interface PassThroughRepairs {
  /**
   * The kind rejects `stream_options` (Mistral: 422, a closed request schema) and reports
   * stream usage on its own: a caller's `stream_options` is dropped, none is added.
   */
  noStreamOptions?: boolean
  /**
   * Per-stream rewrite of the chunks that carry tool calls (Mistral's have no `index`); the
   * other chunks keep their bytes.
   */
  toolCallChunks?: () => (chunk: ChatCompletionChunk) => ChatCompletionChunk
  /**
   * A failure answered as HTTP 200 with the error in the body (MiniMax: `choices: null` and a
   * non-zero `base_resp`): its real status and message, so it is retried, failed over and
   * metered as the error it is, never as a 200.
   */
  failureInBody?: (json: unknown) => { status: number; message: string } | undefined
}
