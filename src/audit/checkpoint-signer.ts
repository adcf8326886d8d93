/**
 * The Ed25519 key that signs audit checkpoints (checkpoint-file.ts). Its private half is
 * derived (HKDF, its own info label) from the audit root, so it exists only where the master
 * key is: nothing of it is in the database, every instance holds the same key (whichever is
 * leader signs), and a master-key rotation keeps it (the index key under it is re-wrapped,
 * not replaced). The public half is published (`GET /api/v1/audit/verify`) so checkpoints
 * can be checked offline by anyone who pinned it.
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { deriveKey } from '../vault/crypto.js'

/** PKCS #8 DER header of an Ed25519 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Checks checkpoint signatures with a public key alone (offline verification). */
export class CheckpointVerifier {
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string
  /** Short id of the public key, written in every checkpoint line. */
  readonly keyId: string

  constructor(protected readonly pub: KeyObject) {
    const x = pub.export({ format: 'jwk' }).x
    if (!x) throw new Error('not an Ed25519 public key')
    const raw = Buffer.from(x, 'base64url')
    this.publicKey = raw.toString('base64')
    this.keyId = `ck_${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`
  }

  /** From the base64 raw public key (as `publicKey` prints it). */
  static fromPublicKey(b64: string): CheckpointVerifier {
    const raw = Buffer.from(b64, 'base64')
    if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes (base64)')
    return new CheckpointVerifier(
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' }),
    )
  }

  verify(payload: string, signature: string): boolean {
    try {
      return verify(null, Buffer.from(payload, 'utf8'), this.pub, Buffer.from(signature, 'base64'))
    } catch {
      return false
    }
  }
}

export class CheckpointSigner extends CheckpointVerifier {
  readonly #priv: KeyObject

  private constructor(priv: KeyObject) {
    super(createPublicKey(priv))
    this.#priv = priv
  }

  /** The signing key under the vault's audit root key (Keyring.auditRootKey). */
  static fromAuditRoot(root: Buffer): CheckpointSigner {
    const seed = deriveKey(root, 'latchkey audit checkpoint ed25519 v1')
    const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
    seed.fill(0)
    return new CheckpointSigner(priv)
  }

  sign(payload: string): string {
    return sign(null, Buffer.from(payload, 'utf8'), this.#priv).toString('base64')
  }
}
