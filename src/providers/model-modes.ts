/**
 * What a listed model is for — chat, embeddings, or something a chat picker must not offer
 * (speech, images, moderation, reranking) — and what it can do, for `GET /v1/models`.
 * Provider list endpoints rarely say (OpenAI's `/models` gives ids only; Gemini gives its
 * generation methods), so the id decides where the upstream did not, by the naming every
 * vendor follows (`text-embedding-3-small`, `mistral-embed`, `amazon.titan-embed-text-v2`,
 * `nomic-embed-text`, `bge-m3`, `whisper-1`, `tts-1`, `dall-e-3`…).
 * @module
 */
import { CAPABILITIES, type Capabilities, has } from './capabilities.js'

export type ModelMode = 'chat' | 'embedding' | 'audio' | 'image' | 'moderation' | 'rerank'

/** A model as a provider's list endpoint reports it (mode and window only where it says). */
export interface UpstreamModel {
  id: string
  mode?: ModelMode
  /** Input tokens the model takes, when the provider's list says (Gemini `inputTokenLimit`). */
  contextWindow?: number
}

const BY_NAME: [ModelMode, RegExp][] = [
  ['rerank', /rerank/i],
  ['embedding', /embed|(^|[/.:-])(bge|e5|gte|minilm)([-_.:]|$)/i],
  ['moderation', /moderation/i],
  ['audio', /whisper|(^|[/.-])tts([-.]|$)|transcribe|-tts-|speech/i],
  ['image', /^(dall-e|gpt-image|imagen|sora)|stable-diffusion|flux/i],
]

/** The mode of `model` on a credential of `kind`: the upstream's word first, then the name. */
export function modelMode(kind: string, model: UpstreamModel | string): ModelMode {
  const m = typeof model === 'string' ? { id: model } : model
  if (m.mode) return m.mode
  // A kind without embeddings serves chat models only (Anthropic lists no embedder).
  const embeds = CAPABILITIES[kind]?.embeddings !== false
  for (const [mode, re] of BY_NAME) {
    if (re.test(m.id) && (mode !== 'embedding' || embeds)) return mode
  }
  return 'chat'
}

const CHAT_CAPS: (keyof Omit<Capabilities, 'listModels' | 'embeddings'>)[] = [
  'tools',
  'vision',
  'jsonSchema',
  'reasoning',
]
const CAP_NAMES: Record<(typeof CHAT_CAPS)[number], string> = {
  tools: 'tools',
  vision: 'vision',
  jsonSchema: 'json_schema',
  reasoning: 'reasoning',
}

/**
 * What the model can be asked for, in `/v1/models` vocabulary: `chat` plus `tools`, `vision`,
 * `json_schema`, `reasoning` where the kind (or the model's family) has them; `embeddings`
 * for embedding models; nothing for the other modes.
 */
export function modelCapabilities(kind: string, model: string, mode: ModelMode): string[] {
  if (mode === 'embedding') return ['embeddings']
  if (mode !== 'chat') return []
  return ['chat', ...CHAT_CAPS.filter((c) => has(kind, model, c)).map((c) => CAP_NAMES[c])]
}
