/**
 * The vault's cryptography, with Node's `crypto` only: AES-256-GCM with a fresh 96-bit nonce
 * per seal, associated data binding every ciphertext to where it belongs, HMAC-SHA256 for key
 * ids / check values / fingerprints, HKDF-SHA256 for derived keys.
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'

/** Format byte of every sealed blob, so the algorithm can change without guessing. */
const FORMAT_V1 = 0x01
const NONCE_BYTES = 12
const TAG_BYTES = 16
export const KEY_BYTES = 32

/** Thrown when a blob fails authentication: wrong key, tampered bytes or moved row. */
export class IntegrityError extends Error {
  override name = 'IntegrityError'
}

/** AES-256-GCM seal → format byte | nonce | ciphertext | tag. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES) throw new Error('seal: key must be 32 bytes')
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([Buffer.from([FORMAT_V1]), nonce, ct, cipher.getAuthTag()])
}

/** Opens a blob made by `seal`; throws IntegrityError when anything does not authenticate. */
export function open(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== FORMAT_V1) {
    throw new IntegrityError('sealed blob is malformed or of an unknown format')
  }
  const nonce = blob.subarray(1, 1 + NONCE_BYTES)
  const tag = blob.subarray(blob.length - TAG_BYTES)
  const ct = blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES)
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    d.setAAD(aad)
    d.setAuthTag(tag)
    return Buffer.concat([d.update(ct), d.final()])
  } catch {
    throw new IntegrityError('sealed blob failed authentication')
  }
}

/** Associated data: length-prefixed fields so ("ab","c") and ("a","bc") never collide. */
export function aad(label: string, ...fields: (string | number)[]): Buffer {
  const parts: Buffer[] = []
  for (const f of [label, ...fields.map(String)]) {
    const b = Buffer.from(f, 'utf8')
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    parts.push(len, b)
  }
  return Buffer.concat(parts)
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex')
}

/** HKDF-SHA256 subkey for one purpose (`info`), so one secret never serves two roles. */
export function deriveKey(ikm: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, KEY_BYTES))
}

/** Stable public id of a local master key (not secret: an HMAC under the key itself). */
export function localKeyId(key: Buffer): string {
  return `mk_${hmacHex(key, 'latchkey master key id v1').slice(0, 16)}`
}

/** Key-check value: proves at start that the configured key is the one that sealed the data. */
export function keyCheckValue(key: Buffer): string {
  return hmacHex(key, 'latchkey key check v1').slice(0, 32)
}

export function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y)
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES)
}
