/**
 * End-to-end setup for provider tests: the provider fakes (every wire format), the running
 * app on a loopback socket, and in-memory credentials of every kind pointing at the fakes.
 */
import type { CredentialMaterial } from '../../src/gateway/spec/v1/index.js'
import { AWS_KEY_ID, AWS_SECRET } from '../fakes/bedrock-upstream.js'
import {
  ANTHROPIC_KEY,
  AZURE_KEY,
  GEMINI_KEY,
  OA_KEY,
  type ProviderFakes,
  startProviderFakes,
} from '../fakes/provider-fakes.js'
import { credential, type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'
import type { TestDialect } from '../helpers.js'

export interface ProviderTestEnv extends GatewayTestEnv {
  fakes: ProviderFakes
}

export function providerCredentials(f: ProviderFakes, openaiBase: string): CredentialMaterial[] {
  const c = (name: string, provider: string, baseUrl: string, extra: Partial<CredentialMaterial> = {}) =>
    credential(name, baseUrl, { provider, ...extra })
  return [
    c('oa', 'openai', openaiBase),
    c('anth', 'anthropic', `${f.url}/anthropic`, { apiKey: ANTHROPIC_KEY }),
    c('gem', 'gemini', `${f.url}/gemini`, { apiKey: GEMINI_KEY }),
    c('aws', 'bedrock', `${f.url}/bedrock`, {
      apiKey: undefined,
      region: 'eu-central-1',
      secret: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET },
    }),
    c('vtx', 'vertex', `${f.url}/vertex`, {
      apiKey: undefined,
      region: 'us-east5',
      secret: { serviceAccount: f.serviceAccount },
    }),
    c('az', 'azure-openai', `${f.url}/azure/openai`, {
      apiKey: undefined,
      secret: { apiKey: AZURE_KEY, deployments: { 'gpt-4o': 'prod-gpt4o' } },
    }),
    c('compat', 'openai-compatible', `${f.url}/oa/v1`, { apiKey: OA_KEY }),
    c('ds', 'deepseek', `${f.url}/oa/v1`, { apiKey: OA_KEY }),
    c('mm', 'minimax', `${f.url}/oa/v1`, { apiKey: OA_KEY }),
  ]
}

export async function providerEnv(dialect: TestDialect = 'sqlite'): Promise<ProviderTestEnv> {
  const fakes = await startProviderFakes()
  const env = await gatewayEnv(dialect, { creds: (oa) => providerCredentials(fakes, oa.baseUrl) })
  return {
    ...env,
    fakes,
    async close() {
      await env.close()
      await fakes.close()
    },
  }
}

/** Every secret a test credential holds (for leak assertions). */
export const ALL_SECRETS = [ANTHROPIC_KEY, GEMINI_KEY, OA_KEY, AZURE_KEY, AWS_SECRET]

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
    },
  },
}

/** WEATHER_TOOL in the shape of the Anthropic Messages API. */
export const ANTHROPIC_WEATHER_TOOL = {
  name: WEATHER_TOOL.function.name,
  description: WEATHER_TOOL.function.description,
  input_schema: { ...WEATHER_TOOL.function.parameters, type: 'object' as const },
}

export const ANSWER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'integer' }, sunny: { type: 'boolean' } },
  required: ['city', 'temperature', 'sunny'],
  additionalProperties: false,
}

/**
 * A Bedrock credential for model listing: Bedrock and Vertex catalogues depend on account and
 * region, so their allow-list is the list (one chat model, one embedder).
 */
export async function addBedrockListCredential(env: ProviderTestEnv): Promise<void> {
  await env.addCredential(
    credential('aws-list', `${env.fakes.url}/bedrock`, {
      provider: 'bedrock',
      apiKey: undefined,
      region: 'eu-central-1',
      secret: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'x' },
      models: ['anthropic.claude-sonnet-4-5', 'amazon.titan-embed-text-v2:0'],
    }),
  )
}
