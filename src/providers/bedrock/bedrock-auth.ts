/**
 * Bedrock request signing: SigV4 (service `bedrock`) over the exact body bytes with
 * @smithy/signature-v4 + @aws-crypto/sha256-js, or a Bedrock API key sent as a bearer token.
 * Credential secret fields: `{accessKeyId, secretAccessKey, sessionToken?}` or `{apiKey}`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * @module
 */
import { createRequire } from 'node:module'
import { unauthorized } from '../../errors/app-error.js'
import type { ProviderCall } from '../adapter.js'

/** Region from the credential, else from a `bedrock-runtime.<region>.amazonaws.com` URL. */
export function bedrockRegion(call: ProviderCall): string {
  if (call.credential.region) return call.credential.region
  const fromSecret = call.credential.secret?.region
  if (typeof fromSecret === 'string' && fromSecret) return fromSecret
  const m = /bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(call.credential.baseUrl)
  return m?.[1] ?? 'us-east-1'
}

/** Signed headers for a POST of `body` to `url`. */
export async function bedrockAuthHeaders(
  call: ProviderCall,
  url: string,
  body: string,
  accept = 'application/json',
): Promise<Record<string, string>> {
  const s = call.credential.secret ?? {}
  const base: Record<string, string> = { 'content-type': 'application/json', accept }
  const bearer = (typeof s.apiKey === 'string' && s.apiKey) || call.credential.apiKey
  if (bearer) return { ...base, authorization: `Bearer ${bearer}` }
  if (typeof s.accessKeyId !== 'string' || typeof s.secretAccessKey !== 'string') {
    throw unauthorized(
      `credential '${call.credential.name}' needs accessKeyId and secretAccessKey (or apiKey)`,
    )
  }
  const u = new URL(url)
  // SigV4 and its hash are loaded at the first signed Bedrock call, not at server start.
  const require = createRequire(import.meta.url)
  const { SignatureV4 } = require('@smithy/signature-v4') as typeof import('@smithy/signature-v4')
  const { Sha256 } = require('@aws-crypto/sha256-js') as typeof import('@aws-crypto/sha256-js')
  const signer = new SignatureV4({
    service: 'bedrock',
    region: bedrockRegion(call),
    sha256: Sha256,
    credentials: {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      ...(typeof s.sessionToken === 'string' && s.sessionToken ? { sessionToken: s.sessionToken } : {}),
    },
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: u.protocol,
    hostname: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    // The path stays percent-encoded as sent (model id `a%3A0`); the signer escapes each segment
    // once more, which is the canonical URI AWS expects for every service but S3 (as the AWS SDK does).
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers: { ...base, host: u.host },
    body,
  })
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') out[k] = String(v)
  return out
}
