/**
 * Pure chain check, shared by the server's verify endpoint and the CLI's offline check of an
 * export: records must come in sequence order, starting at 1, each linking to the previous
 * hash and hashing to its own `hash`.
 * @module
 */
import { GENESIS_HASH, type HashedAuditRecord, hashRecord } from './audit-record.js'

export type VerifyResult =
  | { ok: true; count: number; head: { seq: number; hash: string } }
  | { ok: false; brokenAt: number; id: string | null; reason: string; count: number }

export class ChainVerifier {
  #expectedSeq = 1
  #prevHash = GENESIS_HASH
  #count = 0
  #broken: VerifyResult | null = null

  /** Feeds the next record; returns false once the chain is broken (stop feeding). */
  push(r: HashedAuditRecord): boolean {
    if (this.#broken) return false
    const fail = (reason: string, at = r.seq) => {
      this.#broken = { ok: false, brokenAt: at, id: r.id ?? null, reason, count: this.#count }
      return false
    }
    if (r.seq !== this.#expectedSeq) {
      return fail(
        r.seq > this.#expectedSeq
          ? `record ${this.#expectedSeq} is missing`
          : `record ${r.seq} is out of order`,
        this.#expectedSeq,
      )
    }
    if (r.prevHash !== this.#prevHash)
      return fail('prevHash does not match the previous record (deleted or reordered)')
    if (hashRecord(r) !== r.hash) return fail('hash does not match the record (modified)')
    this.#count += 1
    this.#expectedSeq += 1
    this.#prevHash = r.hash
    return true
  }

  /** The verdict; `head` (when known) is the chain head the records must end at. */
  result(head?: { seq: number; hash: string }): VerifyResult {
    if (this.#broken) return this.#broken
    const last = { seq: this.#expectedSeq - 1, hash: this.#prevHash }
    if (head && (head.seq !== last.seq || head.hash !== last.hash)) {
      return {
        ok: false,
        brokenAt: last.seq + 1,
        id: null,
        reason: `chain ends at ${last.seq} but its head says ${head.seq}: records were truncated`,
        count: this.#count,
      }
    }
    return { ok: true, count: this.#count, head: last }
  }
}
