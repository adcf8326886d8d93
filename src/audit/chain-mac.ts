/**
 * The audit chain's key: HMAC-SHA256 over each record's hash and over the chain head, so a
 * database writer who recomputes the (public) SHA-256 chain after rewriting history still
 * cannot produce the MACs. The key is derived (HKDF, its own info label) from the vault's
 * installation index key, which is random per installation, wrapped under the master key and
 * re-wrapped — not changed — by a master-key rotation: records stay verifiable across
 * rotations without recording a key id per record.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { deriveKey } from '../vault/crypto.js'

export class ChainMac {
  readonly #key: Buffer

  /** `key`: the 32-byte chain MAC key (see `fromAuditRoot`). */
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('ChainMac: key must be 32 bytes')
    this.#key = Buffer.from(key)
  }

  /** The chain key under the vault's audit root key (Keyring.auditRootKey). */
  static fromAuditRoot(root: Buffer): ChainMac {
    return new ChainMac(deriveKey(root, 'latchkey audit chain mac v1'))
  }

  /** The raw key, for the SQLite writer's worker thread (same process, never stored). */
  exportKey(): Buffer {
    return Buffer.from(this.#key)
  }

  /** MAC of one record: its hash covers every field and the previous record's hash. */
  record(hash: string): string {
    return this.#hmac(`record\n${hash}`)
  }

  /**
   * MAC of the chain head: its position and hash, and where keyed records start (`keyedFrom`;
   * records below it were written before the chain was keyed and are covered by this MAC
   * through the hash chain).
   */
  head(orgId: string, seq: number, hash: string, keyedFrom: number | null): string {
    return this.#hmac(`head\n${orgId}\n${seq}\n${hash}\n${keyedFrom ?? ''}`)
  }

  /**
   * MAC of an org's prune point (retention): records up to `seq` were deleted on purpose and
   * the first remaining record links to `hash`. Without the key, a database writer cannot
   * move the chain's start to hide records it deleted.
   */
  prunePoint(orgId: string, seq: number, hash: string): string {
    return this.#hmac(`prune\n${orgId}\n${seq}\n${hash}`)
  }

  /** Constant-time comparison of a stored MAC with the expected one. */
  static equal(stored: string | null | undefined, expected: string): boolean {
    if (typeof stored !== 'string' || stored.length !== expected.length) return false
    return timingSafeEqual(Buffer.from(stored), Buffer.from(expected))
  }

  #hmac(data: string): string {
    return createHmac('sha256', this.#key).update(data, 'utf8').digest('hex')
  }
}
