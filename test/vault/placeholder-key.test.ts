import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { placeholderReason } from '../../src/vault/placeholder-key.js'
import { createTestEnv, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from './vault-helpers.js'

const PLACEHOLDERS = [
  'sk-…',
  'sk-...',
  '...',
  '<your-key>',
  '<OPENAI_API_KEY>',
  '[your key]',
  '{{ api_key }}',
  'sk-xxxx',
  'sk-proj-xxxxxxxxxxxxxxxx',
  'xxxxxxxx',
  'sk-ant-****',
  'YOUR_API_KEY',
  'your-api-key',
  'your_openai_key_here',
  'REPLACE_ME',
  'paste-your-key-here',
  '$OPENAI_API_KEY',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an unexpanded shell variable, on purpose
  '${ANTHROPIC_API_KEY}',
  'changeme',
  'api_key',
]

const REAL_SHAPED = [
  'sk-proj-3fXqT0b9Ykq1w2e3r4t5y6u7i8o9p0aAbBcCdD',
  'sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE',
  'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  'gsk_0123456789abcdefABCDEF0123456789abcdef',
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'test',
  'EMPTY',
  'sk-no-key-required',
]

describe('placeholder keys', () => {
  it.each(PLACEHOLDERS)('%s is recognised as a placeholder', (k) => {
    expect(placeholderReason(k)).not.toBeNull()
  })
  it.each(REAL_SHAPED)('%s is accepted', (k) => {
    expect(placeholderReason(k)).toBeNull()
  })
  it('canary-shaped random keys are accepted', () => {
    for (let i = 0; i < 200; i++) expect(placeholderReason(canaryKey())).toBeNull()
  })
})

describe('credential entry refuses placeholders with a 400 naming the problem', () => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv('sqlite')
  })
  afterAll(async () => {
    await env?.close()
  })

  it.each([
    ['openai', { apiKey: 'sk-…' }],
    ['openai', { apiKey: 'YOUR_API_KEY' }],
    ['anthropic', { apiKey: '<your-key>' }],
    ['azure-openai', { secret: { apiKey: 'sk-xxxx' } }],
  ])('%s %o', async (provider, secret) => {
    const r = await createCredential(env, env.auth('admin'), {
      name: `ph-${provider}`,
      provider,
      baseUrl: provider === 'azure-openai' ? 'https://example.openai.azure.com' : undefined,
      ...secret,
    })
    expect(r.status).toBe(400)
    expect(r.json.error.message).toMatch(/looks like a placeholder, not a real key/)
    const s = secret as { apiKey?: string; secret?: { apiKey: string } }
    const value = s.apiKey ?? s.secret!.apiKey
    expect(r.body).not.toContain(value)
  })

  it('a real-shaped key is still stored', async () => {
    const r = await createCredential(env, env.auth('admin'), {
      name: 'real',
      provider: 'openai',
      apiKey: canaryKey(),
    })
    expect(r.status).toBe(201)
  })
})
