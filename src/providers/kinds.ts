/**
 * The provider kinds Latchkey knows (DESIGN.md), with what the vault and the gateway need to
 * know before any provider code runs: category, wire format, default base URL, regions,
 * how the secret is given. Provider folders (src/providers/<kind>/) add the request/response
 * mapping; this table stays the single list of kinds. The OpenAI-compatible kinds with a
 * folder of their own bring their entry with them (compat-kinds.ts).
 * @see ../../../shared/PROVIDERS.md
 * @module
 */
import { COMPAT_KINDS } from './compat-kinds.js'
import { type KindInfo, openaiCompatible } from './kind-definition.js'

export type { Category, KindInfo, SecretStyle, Wire } from './kind-definition.js'

export const KINDS: Record<string, KindInfo> = {
  openai: openaiCompatible('openai', 'OpenAI', 'frontier', 'https://api.openai.com/v1'),
  'azure-openai': {
    kind: 'azure-openai',
    label: 'Azure OpenAI',
    category: 'frontier',
    wire: 'azure-openai',
    defaultBaseUrl: null,
    secret: 'secret',
    baseUrlRequired: false,
  },
  anthropic: {
    kind: 'anthropic',
    label: 'Anthropic',
    category: 'frontier',
    wire: 'anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    secret: 'apiKey',
    baseUrlRequired: false,
  },
  gemini: {
    kind: 'gemini',
    label: 'Google Gemini API',
    category: 'frontier',
    wire: 'gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
    secret: 'apiKey',
    baseUrlRequired: false,
  },
  vertex: {
    kind: 'vertex',
    label: 'Google Vertex AI',
    category: 'frontier',
    wire: 'vertex',
    defaultBaseUrl: 'https://aiplatform.googleapis.com',
    regions: {
      global: 'https://aiplatform.googleapis.com',
      us: 'https://aiplatform.us.rep.googleapis.com',
      eu: 'https://aiplatform.eu.rep.googleapis.com',
      'us-central1': 'https://us-central1-aiplatform.googleapis.com',
      'us-east5': 'https://us-east5-aiplatform.googleapis.com',
      'europe-west1': 'https://europe-west1-aiplatform.googleapis.com',
      'europe-west4': 'https://europe-west4-aiplatform.googleapis.com',
      'asia-northeast1': 'https://asia-northeast1-aiplatform.googleapis.com',
    },
    secret: 'secret',
    baseUrlRequired: false,
  },
  bedrock: {
    kind: 'bedrock',
    label: 'Amazon Bedrock',
    category: 'frontier',
    wire: 'bedrock',
    defaultBaseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com',
    regions: Object.fromEntries(
      [
        'us-east-1',
        'us-east-2',
        'us-west-2',
        'eu-central-1',
        'eu-west-1',
        'eu-west-3',
        'eu-north-1',
        'ap-northeast-1',
        'ap-southeast-1',
        'ap-southeast-2',
        'ap-south-1',
        'ca-central-1',
      ].map((r) => [r, `https://bedrock-runtime.${r}.amazonaws.com`]),
    ),
    secret: 'secret',
    baseUrlRequired: false,
  },
  ...Object.fromEntries(COMPAT_KINDS.map((c) => [c.info.kind, c.info])),
  'openai-compatible': openaiCompatible('openai-compatible', 'OpenAI-compatible server', 'local', null, {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
  'http-secret': {
    kind: 'http-secret',
    label: 'Secret for workflow tool headers',
    category: 'local',
    wire: 'none',
    defaultBaseUrl: null,
    secret: 'apiKey',
    baseUrlRequired: false,
  },
}

export const KIND_NAMES = Object.keys(KINDS)

export function kindInfo(kind: string): KindInfo | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined
}

/** Kinds whose upstream speaks OpenAI Chat Completions as-is (pass-through candidates). */
export function speaksOpenAI(kind: string): boolean {
  return kindInfo(kind)?.wire === 'openai'
}
