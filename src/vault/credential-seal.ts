/**
 * Envelope encryption of one credential version: a fresh random data key seals the secret
 * (AES-256-GCM, associated data = org, credential, version, provider, base URL — so a row
 * moved to another credential, version or destination fails to open), and the active master
 * key wraps the data key (associated data = org, credential, version).
 * @module
 */
import { aad, newDataKey, open, seal } from './crypto.js'
import type { Keyring } from './keyring.js'
import type { SecretPayload } from './secret-material.js'

export interface SealContext {
  orgId: string
  credentialId: string
  version: number
  provider: string
  baseUrl: string
}

export interface SealedSecret {
  keyId: string
  wrappedKey: string
  ciphertext: string
}

export function dataKeyContext(c: { orgId: string; credentialId: string; version: number }): Buffer {
  return aad('latchkey dek v1', c.orgId, c.credentialId, c.version)
}

function secretContext(c: SealContext): Buffer {
  return aad('latchkey credential v1', c.orgId, c.credentialId, c.version, c.provider, c.baseUrl)
}

export async function sealPayload(
  keyring: Keyring,
  ctx: SealContext,
  payload: SecretPayload,
): Promise<SealedSecret> {
  const key = await keyring.sealingKey()
  const dek = newDataKey()
  const plain = Buffer.from(JSON.stringify(payload), 'utf8')
  try {
    const ciphertext = seal(dek, plain, secretContext(ctx)).toString('base64')
    const wrapped = await key.wrap(dek, dataKeyContext(ctx))
    return { keyId: key.id, wrappedKey: wrapped.toString('base64'), ciphertext }
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
    const plain = open(dek, Buffer.from(sealed.ciphertext, 'base64'), secretContext(ctx))
    try {
      return JSON.parse(plain.toString('utf8')) as SecretPayload
    } finally {
      plain.fill(0)
    }
  } finally {
    dek.fill(0)
  }
}
