import { describe, expect, it } from 'vitest'
import type { ProviderCall } from '../adapter.js'
import { azureHeaders, azureUrl } from './azure-openai-provider.js'

const call = (baseUrl: string, secret: Record<string, unknown>, model = 'gpt-4o'): ProviderCall => ({
  credential: {
    credentialId: 'c',
    name: 'az',
    provider: 'azure-openai',
    version: 1,
    baseUrl,
    region: null,
    secret,
    models: [],
    orgId: 'o',
    workspaceId: null,
  },
  model,
})

describe('Azure OpenAI', () => {
  it('classic URLs route by deployment with api-version; deployments map model names', () => {
    expect(azureUrl(call('https://res.openai.azure.com/openai', { apiKey: 'k' }), 'chat/completions')).toBe(
      'https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    )
    expect(
      azureUrl(
        call('https://res.openai.azure.com', {
          apiKey: 'k',
          apiVersion: '2025-04-01-preview',
          deployments: { 'gpt-4o': 'prod' },
        }),
        'embeddings',
      ),
    ).toBe('https://res.openai.azure.com/openai/deployments/prod/embeddings?api-version=2025-04-01-preview')
  })
  it('v1 URLs use OpenAI paths', () => {
    expect(
      azureUrl(call('https://res.openai.azure.com/openai/v1/', { apiKey: 'k' }), 'chat/completions'),
    ).toBe('https://res.openai.azure.com/openai/v1/chat/completions')
  })
  it('authenticates with the api-key header', () => {
    expect(azureHeaders(call('https://x', { apiKey: 'secret-key' }))).toEqual({ 'api-key': 'secret-key' })
    expect(() => azureHeaders(call('https://x', {}))).toThrow(/no apiKey/)
  })
})
