/**
 * Envelope encryption of one credential version: a fresh random data key seals the secret
 * (AES-256-GCM), and the active master key wraps the data key (associated data = org,
 * credential, version).
 *
 * The secret's associated data names where the secret may go, so a row moved to another
 * credential or version, or pointed at another destination in the database, fails to open.
 * The destination is part of the credential's identity (issue 15): for provider kinds it is
 * the base URL (origin and path; every configurable host — openai-compatible, azure, ollama,
 * regional Bedrock/Vertex — lives there), for an `http-secret` its list of origins:
 * - v1 (rows sealed before issue 15): org, credential, version, provider, base URL;
 * - v2 (every new seal): the same plus the origins an `http-secret` may be sent to, as a
 *   sorted JSON array (`[]` for provider kinds, whose destination is the base URL).
 * Rows record their layout (`credential_secrets.aad_version`). Both layouts bind the base
 * URL, so a pre-existing v1 row needs no re-seal to be safe: it keeps opening as v1 until its
 * next rotation or re-point seals v2 (a v1 row that carries origins is refused by the caller,
 * as v1 never bound them). A v2 blob never opens as v1 or the reverse: the layouts start with
 * different labels, so editing `aad_version` in the database only breaks the row.
 * @module
 */
import { aad, newDataKey, open, seal } from './crypto.js'
import type { Keyring } from './keyring.js'
import type { SecretPayload } from './secret-material.js'

/** The layout every new seal uses. */
export const AAD_VERSION = 2

export interface SealContext {
  orgId: string
  credentialId: string
  version: number
  provider: string
  baseUrl: string
  /** `http-secret` destinations (normalised origins); empty for provider kinds. */
  origins: readonly string[]
}

export interface SealedSecret {
  keyId: string
  wrappedKey: string
  ciphertext: string
  /** Associated-data layout of `ciphertext` (AAD_VERSION for new seals). */
  aadVersion: number
}

export function dataKeyContext(c: { orgId: string; credentialId: string; version: number }): Buffer {
  return aad('latchkey dek v1', c.orgId, c.credentialId, c.version)
}

function secretContext(c: SealContext, aadVersion: number): Buffer {
  const base = [c.orgId, c.credentialId, c.version, c.provider, c.baseUrl] as const
  if (aadVersion === 1) return aad('latchkey credential v1', ...base)
  if (aadVersion === 2) return aad('latchkey credential v2', ...base, JSON.stringify([...c.origins].sort()))
  throw new Error(`unknown associated-data layout ${aadVersion}`)
}

/**
 * Seals a payload. `aadVersion` is AAD_VERSION for everything the vault writes; older layouts
 * exist only to reproduce rows sealed by earlier releases (upgrade tests).
 */
export async function sealPayload(
  keyring: Keyring,
  ctx: SealContext,
  payload: SecretPayload,
  aadVersion = AAD_VERSION,
): Promise<SealedSecret> {
  const key = await keyring.sealingKey()
  const dek = newDataKey()
  const plain = Buffer.from(JSON.stringify(payload), 'utf8')
  try {
    const ciphertext = seal(dek, plain, secretContext(ctx, aadVersion)).toString('base64')
    const wrapped = await key.wrap(dek, dataKeyContext(ctx))
    return { keyId: key.id, wrappedKey: wrapped.toString('base64'), ciphertext, aadVersion }
  } finally {
    dek.fill(0)
    plain.fill(0)
  }
}

/** Opens a sealed secret; throws IntegrityError (or MasterKeyError) on any mismatch. */
export async function unsealPayload(
  keyring: Keyring,
  ctx: SealContext,
  sealed: SealedSecret,
): Promise<SecretPayload> {
  const key = await keyring.keyFor(sealed.keyId)
  const dek = await key.unwrap(Buffer.from(sealed.wrappedKey, 'base64'), dataKeyContext(ctx))
  try {
    const plain = open(dek, Buffer.from(sealed.ciphertext, 'base64'), secretContext(ctx, sealed.aadVersion))
    try {
      return JSON.parse(plain.toString('utf8')) as SecretPayload
    } finally {
      plain.fill(0)
    }
  } finally {
    dek.fill(0)
  }
}
