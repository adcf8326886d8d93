/**
 * What each provider kind can do, for docs, `/v1/models` hints and request checks. A
 * capability is `true`/`false` for the whole kind, or a pattern of the model ids that have it
 * (e.g. only Zhipu's `glm-*v*` models take images). Local/self-hosted kinds depend on the
 * loaded model, so they allow everything and let the server answer.
 * @see ../../docs/providers.md
 * @module
 */
import { AppError } from '../errors/app-error.js'
import { COMPAT_KINDS } from './compat-kinds.js'
import { ALL_CAPABILITIES as ALL, type Capabilities } from './kind-definition.js'
import type { ChatCompletionRequest } from './translate/openai-chat.js'

export type { Capabilities, Capability } from './kind-definition.js'

export const CAPABILITIES: Record<string, Capabilities> = {
  openai: ALL,
  'azure-openai': { ...ALL, listModels: 'allow-list' },
  anthropic: { ...ALL, embeddings: false },
  gemini: ALL,
  vertex: { ...ALL, embeddings: false, listModels: 'allow-list' },
  // Converse: Claude, Nova, Llama 3.2 vision…; text-only families refuse images.
  bedrock: {
    ...ALL,
    vision: /anthropic\.|amazon\.nova-(pro|lite|premier)|llama3-2-(11|90)b|llama4|pixtral/,
    listModels: 'allow-list',
  },
  ...Object.fromEntries(COMPAT_KINDS.map((k) => [k.info.kind, k.capabilities])),
  'openai-compatible': ALL,
}

export function has(kind: string, model: string, cap: keyof Omit<Capabilities, 'listModels'>): boolean {
  const c = CAPABILITIES[kind]?.[cap]
  if (c === undefined) return true
  return typeof c === 'boolean' ? c : c.test(model)
}

/** Whether any message carries an image part (any shape of body: callers' bodies are not validated). */
function hasImages(messages: unknown): boolean {
  return (
    Array.isArray(messages) &&
    messages.some(
      (m) =>
        Array.isArray(m?.content) &&
        (m.content as unknown[]).some((p) => (p as { type?: unknown } | null)?.type === 'image_url'),
    )
  )
}

function unsupported(kind: string, model: string, what: string, cap: string, param: string): AppError {
  return new AppError(400, 'invalid_request_error', `${kind} model ${model} ${what} (capability: ${cap})`, {
    code: 'unsupported_content',
    param,
    retryable: false,
  })
}

/**
 * 400 naming the model and capability when a Chat request needs what the model lacks. Takes
 * any body (also a caller's unvalidated OpenAI body); kinds that have a capability for every
 * model skip the scan.
 */
export function checkRequestCapabilities(
  req: Pick<ChatCompletionRequest, 'messages' | 'tools'> | Record<string, unknown>,
  kind: string,
  model: string,
): void {
  if (!has(kind, model, 'vision') && hasImages(req.messages)) {
    throw unsupported(kind, model, 'does not accept images', 'vision', 'messages')
  }
  if (!has(kind, model, 'tools') && Array.isArray(req.tools) && req.tools.length > 0) {
    throw unsupported(kind, model, 'does not support tools', 'tools', 'tools')
  }
}
