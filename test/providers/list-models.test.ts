/** Model discovery from the providers' list endpoints (Anthropic, Gemini with paging). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anthropicAdapter } from '../../src/providers/anthropic/anthropic-provider.js'
import { geminiAdapter } from '../../src/providers/gemini/gemini-provider.js'
import { ANTHROPIC_KEY, GEMINI_KEY, type ProviderFakes, startProviderFakes } from '../fakes/provider-fakes.js'
import { credential } from '../gateway/gateway-helpers.js'

let fakes: ProviderFakes
beforeAll(async () => {
  fakes = await startProviderFakes()
})
afterAll(async () => {
  await fakes?.close()
})

describe('listModels', () => {
  it('anthropic: GET /v1/models', async () => {
    const c = credential('anth', `${fakes.url}/anthropic`, { provider: 'anthropic', apiKey: ANTHROPIC_KEY })
    expect(await anthropicAdapter.listModels!({ credential: c, model: '' })).toEqual(['claude-sonnet-4-5'])
  })
  it('gemini: pages through GET /models, keeps generate/embed models', async () => {
    const c = credential('gem', `${fakes.url}/gemini`, { provider: 'gemini', apiKey: GEMINI_KEY })
    expect(await geminiAdapter.listModels!({ credential: c, model: '' })).toEqual([
      'gemini-2.5-flash',
      'text-embedding-004',
    ])
  })
  it('a bad key is a 401 naming the credential', async () => {
    const c = credential('gem', `${fakes.url}/gemini`, {
      provider: 'gemini',
      apiKey: 'AIzaWrongKey000000000',
    })
    await expect(geminiAdapter.listModels!({ credential: c, model: '' })).rejects.toMatchObject({
      status: 401,
    })
  })
})
