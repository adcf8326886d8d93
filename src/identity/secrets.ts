import { hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto'

/** SHA-256 hex; used for tokens, session ids, CSRF and invite tokens (high-entropy inputs). */
export function sha256Hex(value: string): string {
  // One-shot digest: a quarter of createHash().update().digest()'s cost (runs per request).
  return hash('sha256', value, 'hex')
}

/** A random URL-safe string of `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** Constant-time comparison of two hex digests of equal length. */
export function safeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex')
  const bb = Buffer.from(b, 'hex')
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb)
}

/** Access tokens: `lk_` + 32 random bytes base64url (43 chars). */
export const TOKEN_PREFIX = 'lk_'
export function newAccessToken(): { raw: string; hash: string; display: string } {
  const raw = TOKEN_PREFIX + randomToken(32)
  return { raw, hash: sha256Hex(raw), display: raw.slice(0, 10) }
}

export function looksLikeAccessToken(v: string): boolean {
  return v.startsWith(TOKEN_PREFIX) && v.length >= 20 && v.length <= 128 && /^[A-Za-z0-9_-]+$/.test(v)
}

// Ids draw their random characters from a pooled buffer: one randomFillSync (CSPRNG) per 256
// ids instead of one per id; ids are made on every gateway request.
const ID_CHARS = 14
const POOL_IDS = 256
const pool = Buffer.alloc(ID_CHARS * POOL_IDS)
let nextId = POOL_IDS
/** 64 symbols, letters and digits only (x and y twice): 6 random bits per character. */
const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789xy')
const scratch = Buffer.alloc(ID_CHARS)

/** Sortable unique ids: time prefix + 14 random letters/digits (~80 bits). */
export function newId(prefix: string): string {
  if (nextId >= POOL_IDS) {
    randomFillSync(pool)
    nextId = 0
  }
  const start = nextId++ * ID_CHARS
  for (let i = 0; i < ID_CHARS; i++) scratch[i] = ALPHABET[pool[start + i]! & 63]!
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${scratch.toString('latin1', 0, ID_CHARS)}`
}
