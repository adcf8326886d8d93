import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProviderFakes, startProviderFakes, VERTEX_TOKEN } from '../../../test/fakes/provider-fakes.js'
import type { ProviderCall } from '../adapter.js'
import { clearVertexTokenCache, signAssertion, vertexAccessToken } from './vertex-auth.js'
import { vertexUrl } from './vertex-provider.js'

let fakes: ProviderFakes
beforeAll(async () => {
  fakes = await startProviderFakes()
})
afterAll(async () => {
  await fakes?.close()
})

function call(
  secret: Record<string, unknown>,
  extra: Partial<ProviderCall['credential']> = {},
): ProviderCall {
  return {
    credential: {
      credentialId: `c_${Math.random()}`,
      name: 'vertex-prod',
      provider: 'vertex',
      version: 1,
      baseUrl: '',
      region: null,
      secret,
      models: [],
      orgId: 'o',
      workspaceId: null,
      ...extra,
    },
    model: 'gemini-2.5-flash',
  }
}

describe('Vertex auth', () => {
  it('signs an RS256 assertion with the service account as issuer and the token URI as audience', () => {
    const jwt = signAssertion(fakes.serviceAccount as never, 1_700_000_000)
    const [h, c] = jwt.split('.')
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'kid1',
    })
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toEqual({
      iss: fakes.serviceAccount.client_email,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: fakes.serviceAccount.token_uri,
      iat: 1_700_000_000,
      exp: 1_700_003_600,
    })
  })
  it('exchanges the assertion at token_uri once and caches the token', async () => {
    clearVertexTokenCache()
    const before = fakes.tokenRequests
    const c = call({ serviceAccount: fakes.serviceAccount })
    expect(await vertexAccessToken(c)).toBe(VERTEX_TOKEN)
    expect(await vertexAccessToken(c)).toBe(VERTEX_TOKEN)
    expect(fakes.tokenRequests - before).toBe(1)
  })
  it('a rejected key → 401 naming the credential, never the key', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString()
    const err = await vertexAccessToken(
      call({ serviceAccount: { ...fakes.serviceAccount, private_key: other } }),
    ).catch((e) => e)
    expect(err).toMatchObject({ status: 401, message: expect.stringContaining("'vertex-prod'") })
    expect(err.message).not.toContain('PRIVATE KEY')
  })
})

describe('Vertex URLs', () => {
  const sa = { client_email: 'a@b', private_key: 'k', project_id: 'p1' }
  it('global, multi-region and regional hosts; publisher from the model family', () => {
    expect(vertexUrl(call({ serviceAccount: sa }), 'gemini-2.5-flash', 'generateContent')).toBe(
      'https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
    )
    expect(
      vertexUrl(call({ serviceAccount: sa }, { region: 'eu' }), 'gemini-2.5-pro', 'generateContent'),
    ).toMatch(/^https:\/\/aiplatform\.eu\.rep\.googleapis\.com\/v1\/projects\/p1\/locations\/eu\//)
    expect(
      vertexUrl(
        call({ serviceAccount: sa, project: 'p2' }, { region: 'us-east5' }),
        'claude-sonnet-4-5@20250929',
        'rawPredict',
      ),
    ).toBe(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/p2/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5%4020250929:rawPredict',
    )
  })
})
