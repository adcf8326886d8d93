/**
 * Audit retention: the leader deletes each org's oldest records (those older than
 * LATCHKEY_AUDIT_RETENTION, as a prefix of the chain) and leaves a prune point — the last
 * deleted record's position and hash, sealed with the chain key (ChainMac.prunePoint) — so
 * the rest of the chain still verifies from its new start. The same position is appended to
 * the signed checkpoint file, outside the database.
 *
 * Nothing is pruned from a chain that does not verify up to the cut (or whose head is not
 * sealed): deleting records that were tampered with would launder the tampering.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../db/schema.js'
import { readPrunePoint } from './audit-query.js'
import { recordFromRow } from './audit-record.js'
import { ChainMac } from './chain-mac.js'
import type { AuditCheckpoints } from './checkpoint.js'
import { appendCheckpoints, signCheckpoint } from './checkpoint-file.js'
import { ChainVerifier } from './verify-records.js'

export interface AuditPruneResult {
  orgId: string
  /** Records up to this sequence number are gone. */
  through: number
  deleted: number
}

/** Prunes every org's records stamped before `cutoff` (epoch ms); returns what went. */
export async function pruneAudit(
  db: Kysely<Database>,
  cutoff: number,
  o: { mac: ChainMac; checkpoints: AuditCheckpoints; logger: Pick<Logger, 'info' | 'error'>; now: number },
): Promise<AuditPruneResult[]> {
  const heads = await db.selectFrom('audit_heads').select(['org_id', 'seq', 'keyed_from']).execute()
  const out: AuditPruneResult[] = []
  for (const h of heads) {
    const orgId = h.org_id
    const skip = (why: string) =>
      o.logger.error({ orgId }, `audit retention: ${why}; nothing pruned (run latchkey audit verify)`)
    if (h.keyed_from === null) {
      skip('chain head is not sealed')
      continue
    }
    const pp = await readPrunePoint(db, orgId)
    const start = pp ? { seq: Number(pp.seq), hash: pp.hash } : undefined
    if (pp && !ChainMac.equal(pp.mac, o.mac.prunePoint(orgId, Number(pp.seq), pp.hash))) {
      skip('prune point MAC does not match')
      continue
    }
    // The chain is pruned as a prefix: up to the record before the first one to keep.
    const keep = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.min('seq').as('seq'))
      .where('org_id', '=', orgId)
      .where('seq', '>', start?.seq ?? 0)
      .where('ts', '>=', cutoff)
      .executeTakeFirst()
    const cut = keep?.seq == null ? Number(h.seq) : Number(keep.seq) - 1
    if (cut <= (start?.seq ?? 0)) continue

    const v = new ChainVerifier({ mac: o.mac, keyedFrom: Number(h.keyed_from) }, start)
    let after = start?.seq ?? 0
    for (;;) {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('seq', '>', after)
        .where('seq', '<=', cut)
        .orderBy('seq', 'asc')
        .limit(1000)
        .execute()
      for (const row of rows) if (!v.push(recordFromRow(row), row.mac)) break
      if (rows.length < 1000) break
      after = Number(rows[rows.length - 1]!.seq)
    }
    const checked = v.result()
    if (!checked.ok || checked.head.seq !== cut) {
      skip(checked.ok ? `record ${checked.head.seq + 1} is missing` : `chain broken at ${checked.brokenAt}`)
      continue
    }
    const hash = checked.head.hash
    const deleted = await db.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('audit_log')
        .where('org_id', '=', orgId)
        .where('seq', '<=', cut)
        .executeTakeFirst()
      const n = Number(r.numDeletedRows)
      const point = {
        seq: cut,
        hash,
        pruned: Number(pp?.pruned ?? 0) + n,
        updated_at: o.now,
        mac: o.mac.prunePoint(orgId, cut, hash),
      }
      await trx
        .insertInto('audit_prune_points')
        .values({ org_id: orgId, ...point })
        .onConflict((oc) => oc.column('org_id').doUpdateSet(point))
        .execute()
      return n
    })
    // Outside the database too: an offline check of an export starts from this signed position.
    await appendCheckpoints(o.checkpoints.file, [
      signCheckpoint(o.checkpoints.signer, { orgId, seq: cut, hash }, o.now),
    ])
    o.logger.info({ orgId, through: cut, deleted }, 'audit retention: pruned the oldest records')
    out.push({ orgId, through: cut, deleted })
  }
  return out
}
