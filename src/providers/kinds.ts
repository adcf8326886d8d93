/**
 * The provider kinds Latchkey knows (DESIGN.md), with what the vault and the gateway need to
 * know before any provider code runs: category, wire format, default base URL, regions,
 * how the secret is given. Provider folders (src/providers/<kind>/) add the request/response
 * mapping; this table stays the single list of kinds.
 * @see ../../../shared/PROVIDERS.md
 * @module
 */

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

const openaiCompatible = (
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
  mistral: openaiCompatible('mistral', 'Mistral', 'sovereign', 'https://api.mistral.ai/v1'),
  groq: openaiCompatible('groq', 'Groq', 'frontier', 'https://api.groq.com/openai/v1'),
  deepseek: openaiCompatible('deepseek', 'DeepSeek', 'sovereign', 'https://api.deepseek.com/v1'),
  qwen: openaiCompatible(
    'qwen',
    'Qwen (DashScope)',
    'sovereign',
    'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    {
      regions: {
        singapore: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
        beijing: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
        virginia: 'https://dashscope-us.aliyuncs.com/compatible-mode/v1',
        'hong-kong': 'https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1',
      },
    },
  ),
  zhipu: openaiCompatible('zhipu', 'Zhipu GLM', 'sovereign', 'https://open.bigmodel.cn/api/paas/v4', {
    regions: { china: 'https://open.bigmodel.cn/api/paas/v4', international: 'https://api.z.ai/api/paas/v4' },
  }),
  moonshot: openaiCompatible('moonshot', 'Moonshot Kimi', 'sovereign', 'https://api.moonshot.ai/v1', {
    regions: { international: 'https://api.moonshot.ai/v1', china: 'https://api.moonshot.cn/v1' },
  }),
  minimax: openaiCompatible('minimax', 'MiniMax', 'sovereign', 'https://api.minimax.io/v1', {
    regions: { international: 'https://api.minimax.io/v1', china: 'https://api.minimaxi.com/v1' },
  }),
  ollama: openaiCompatible('ollama', 'Ollama', 'local', 'http://127.0.0.1:11434/v1', {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
  lmstudio: openaiCompatible('lmstudio', 'LM Studio', 'local', 'http://127.0.0.1:1234/v1', {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
  vllm: openaiCompatible('vllm', 'vLLM', 'local', 'http://127.0.0.1:8000/v1', {
    secret: 'apiKeyOptional',
    baseUrlRequired: true,
  }),
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
