/**
 * Vertex AI OAuth from a service-account key: sign an RS256 JWT (iss = client_email, scope
 * cloud-platform, aud = token endpoint), exchange it at the key's `token_uri` for an access
 * token, cache it until shortly before `expires_in`. The token endpoint comes from the key file
 * (`token_uri`, standard in Google key files), so tests point it at a local fake.
 *
 * Why not google-auth-library's JWT client: its gtoken step posts to a hard-coded
 * `https://oauth2.googleapis.com/token` (build/src/gtoken/getToken.js), which cannot be
 * redirected to a test server nor routed through the gateway's egress-guarded fetch.
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 * @module
 */
import { createSign } from 'node:crypto'
import { AppError, unauthorized } from '../../errors/app-error.js'
import type { FetchLike, FetchResponse, ProviderCall } from '../adapter.js'
import { defaultFetch } from '../http/send.js'

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token'

export interface ServiceAccountKey {
  client_email: string
  private_key: string
  private_key_id?: string
  project_id?: string
  token_uri?: string
}

const cache = new Map<string, { token: string; expiresAt: number }>()

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url')
}

/** The signed JWT assertion (exported for tests). */
export function signAssertion(key: ServiceAccountKey, nowSec: number): string {
  const aud = key.token_uri ?? DEFAULT_TOKEN_URI
  const header = { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) }
  const claims = { iss: key.client_email, scope: CLOUD_PLATFORM_SCOPE, aud, iat: nowSec, exp: nowSec + 3600 }
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key)
  return `${unsigned}.${b64url(signature)}`
}

/** Service-account key from the credential secret (`{serviceAccount: {...}}` or the key itself). */
export function serviceAccountOf(call: ProviderCall): ServiceAccountKey | undefined {
  const s = call.credential.secret ?? {}
  const sa = (typeof s.serviceAccount === 'object' && s.serviceAccount) || s
  const k = sa as Record<string, unknown>
  if (typeof k.client_email === 'string' && typeof k.private_key === 'string')
    return k as unknown as ServiceAccountKey
  return undefined
}

/** A bearer token for the credential: a static `accessToken`, or one minted from the key. */
export async function vertexAccessToken(call: ProviderCall): Promise<string> {
  const s = call.credential.secret ?? {}
  if (typeof s.accessToken === 'string' && s.accessToken) return s.accessToken
  const key = serviceAccountOf(call)
  if (!key) {
    throw unauthorized(
      `credential '${call.credential.name}' needs a service-account key (client_email, private_key)`,
    )
  }
  const cacheKey = `${call.credential.credentialId}:${call.credential.version}`
  const hit = cache.get(cacheKey)
  if (hit && hit.expiresAt > Date.now()) return hit.token
  const f: FetchLike = call.fetch ?? defaultFetch
  const tokenUri = key.token_uri ?? DEFAULT_TOKEN_URI
  let res: FetchResponse
  try {
    res = await f(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: signAssertion(key, Math.floor(Date.now() / 1000)),
      }).toString(),
      signal: call.signal,
    })
  } catch (err) {
    throw new AppError(
      502,
      'api_error',
      `cannot reach the Google token endpoint: ${(err as Error).message}`,
      {
        code: 'upstream_unreachable',
        cause: err,
      },
    )
  }
  const json = (await res.json().catch(() => ({}))) as {
    access_token?: string
    expires_in?: number
    error?: string
  }
  if (!res.ok || !json.access_token) {
    throw new AppError(
      401,
      'authentication_error',
      `vertex rejected credential '${call.credential.name}' (${json.error ?? `HTTP ${res.status}`})`,
      {
        code: 'upstream_auth_failed',
        retryable: false,
      },
    )
  }
  // Refresh a minute early so a token never expires in flight.
  cache.set(cacheKey, {
    token: json.access_token,
    expiresAt: Date.now() + Math.max(0, (json.expires_in ?? 3600) - 60) * 1000,
  })
  return json.access_token
}

/** Drops cached tokens (tests, credential rotation). */
export function clearVertexTokenCache(): void {
  cache.clear()
}
