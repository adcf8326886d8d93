/**
 * Run content (inputs, step outputs, run output, review comments) is stored only sealed.
 * `ContentSealer` is the small interface the engine needs; `vaultContentSealer` binds it to
 * the vault's keyring (envelope: a fresh data key per blob, wrapped by the active master key);
 * `derivedKeySealer` (HKDF from given key material) serves runtimes without a vault (tests).
 * Every blob is bound by associated data to its org, run and slot, so a sealed output cannot be
 * moved to another run or column and still open.
 * @module
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { newDataKey, aad as vaultAad, open as vaultOpen, seal as vaultSeal } from './crypto.js'
import type { MasterKey } from './key-source.js'
import type { Keyring } from './keyring.js'

export interface ContentSealer {
  seal(orgId: string, context: string, plaintext: string): Promise<string>
  open(orgId: string, context: string, sealed: string): Promise<string>
}

const PREFIX = 'lkwf1:'

function aad(orgId: string, context: string): Buffer {
  return Buffer.from(JSON.stringify(['latchkey-workflow-content', orgId, context]))
}

/** AES-256-GCM under a key derived from `ikm` for workflow content only. */
export function derivedKeySealer(ikm: Buffer): ContentSealer {
  const key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'latchkey workflow content v1', 32))
  return {
    async seal(orgId, context, plaintext) {
      const nonce = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, nonce)
      c.setAAD(aad(orgId, context))
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
      return PREFIX + Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64')
    },
    async open(orgId, context, sealed) {
      if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed workflow blob')
      const b = Buffer.from(sealed.slice(PREFIX.length), 'base64')
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12))
      d.setAAD(aad(orgId, context))
      d.setAuthTag(b.subarray(b.length - 16))
      return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8')
    },
  }
}

/** Seals a JSON value (undefined → null). */
export async function sealJson(
  s: ContentSealer,
  orgId: string,
  context: string,
  v: unknown,
): Promise<string> {
  return s.seal(orgId, context, JSON.stringify(v ?? null))
}

export async function openJson(
  s: ContentSealer,
  orgId: string,
  context: string,
  blob: string | null,
): Promise<unknown> {
  if (blob == null) return undefined
  return JSON.parse(await s.open(orgId, context, blob))
}

export const VAULT_PREFIX = 'lkwf2:'

/**
 * Envelope sealing under the vault's master keyring: AES-256-GCM with a fresh data key per
 * blob, the data key wrapped by the active master key. Blob = prefix keyId:wrapped:ciphertext.
 */
export function vaultContentSealer(keyring: Keyring): ContentSealer {
  return {
    async seal(orgId, context, plaintext) {
      const key = await keyring.sealingKey()
      const dek = newDataKey()
      try {
        const ct = vaultSeal(
          dek,
          Buffer.from(plaintext, 'utf8'),
          vaultAad('latchkey workflow content v1', orgId, context),
        )
        const wrapped = await key.wrap(dek, vaultAad('latchkey workflow dek v1', orgId, context))
        return `${VAULT_PREFIX}${key.id}:${wrapped.toString('base64')}:${ct.toString('base64')}`
      } finally {
        dek.fill(0)
      }
    },
    async open(orgId, context, sealed) {
      if (!sealed.startsWith(VAULT_PREFIX)) throw new Error('not a sealed workflow blob')
      const [keyId, wrapped, ct] = sealed.slice(VAULT_PREFIX.length).split(':') as [string, string, string]
      const key = await keyring.keyFor(keyId)
      const dek = await key.unwrap(
        Buffer.from(wrapped, 'base64'),
        vaultAad('latchkey workflow dek v1', orgId, context),
      )
      try {
        return vaultOpen(
          dek,
          Buffer.from(ct, 'base64'),
          vaultAad('latchkey workflow content v1', orgId, context),
        ).toString('utf8')
      } finally {
        dek.fill(0)
      }
    },
  }
}

/**
 * Re-wraps the data key of one vault-sealed blob under `target` (master-key rotation); the
 * ciphertext is untouched. Blobs sealed otherwise are returned as they are.
 */
export async function rewrapVaultBlob(
  blob: string,
  orgId: string,
  context: string,
  keyFor: (id: string) => Promise<MasterKey>,
  target: MasterKey,
): Promise<string> {
  if (!blob.startsWith(VAULT_PREFIX)) return blob
  const [keyId, wrapped, ct] = blob.slice(VAULT_PREFIX.length).split(':') as [string, string, string]
  const wrapAad = vaultAad('latchkey workflow dek v1', orgId, context)
  const dek = await (await keyFor(keyId)).unwrap(Buffer.from(wrapped, 'base64'), wrapAad)
  try {
    const rewrapped = await target.wrap(dek, wrapAad)
    return `${VAULT_PREFIX}${target.id}:${rewrapped.toString('base64')}:${ct}`
  } finally {
    dek.fill(0)
  }
}
