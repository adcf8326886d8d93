/**
 * Pure chain check, shared by the server's verify endpoint and the CLI's offline check of an
 * export: records must come in sequence order, starting at 1 (or right after a prune point:
 * retention deleted the records up to it), each linking to the previous hash and hashing to
 * its own `hash`. With the chain key (server side), each record from
 * `keyedFrom` on must also carry its MAC: the SHA-256 chain alone can be recomputed by anyone
 * who rewrites history.
 * @module
 */
import { GENESIS_HASH, type HashedAuditRecord, hashRecord } from './audit-record.js'
import { ChainMac } from './chain-mac.js'

export type VerifyResult =
  | {
      ok: true
      count: number
      head: { seq: number; hash: string }
      /** Records up to here were pruned by retention (the chain was verified from the next one). */
      prunedThrough?: number
    }
  | { ok: false; brokenAt: number; id: string | null; reason: string; count: number }

export interface VerifierKeys {
  mac: ChainMac
  /** First sequence number that must carry a MAC (earlier records predate the keyed chain). */
  keyedFrom: number
}

/** Where a pruned chain starts: the last deleted record's position and hash. */
export interface ChainStart {
  seq: number
  hash: string
}

export class ChainVerifier {
  #expectedSeq: number
  #prevHash: string
  #count = 0
  #broken: VerifyResult | null = null

  /** `start`: a prune point the caller has authenticated (its MAC, or a signed checkpoint). */
  constructor(
    private readonly keys?: VerifierKeys,
    start?: ChainStart,
  ) {
    this.#expectedSeq = (start?.seq ?? 0) + 1
    this.#prevHash = start?.hash ?? GENESIS_HASH
  }

  /** Feeds the next record (and its stored MAC); returns false once the chain is broken (stop feeding). */
  push(r: HashedAuditRecord, mac?: string | null): boolean {
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
    if (this.keys && r.seq >= this.keys.keyedFrom && !ChainMac.equal(mac, this.keys.mac.record(r.hash))) {
      return fail('record MAC does not match (rewritten, inserted or renumbered without the audit key)')
    }
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
