/**
 * Upgrade of chains written before the chain was keyed (issue 15, path 10): at start, every
 * chain head without `keyed_from` is sealed where it stands — its records verify as legacy
 * (SHA-256 only) up to that point, and the head's MAC binds them (through the hash chain), so
 * rewriting a legacy record later breaks the head MAC. Records after it are keyed.
 *
 * A database writer could null `keyed_from` to have a forged chain sealed at the next start;
 * a chain that already has a signed checkpoint outside the database was keyed before, so it
 * is never sealed again (checkpoint-file.ts) and verification reports it.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../db/schema.js'
import type { AuditWriter } from './audit-event.js'
import type { ChainMac } from './chain-mac.js'

export interface SealDeps {
  db: Kysely<Database>
  mac: ChainMac
  audit: AuditWriter
  logger: Pick<Logger, 'warn' | 'error'>
  /** Whether a signed checkpoint of this org exists (then the chain was keyed already). */
  checkpointed?: (orgId: string) => boolean
}

/** Seals every unkeyed chain head; returns how many were sealed by this call. */
export async function sealLegacyChains(d: SealDeps): Promise<number> {
  const heads = await d.db
    .selectFrom('audit_heads')
    .select(['org_id', 'seq', 'hash'])
    .where('keyed_from', 'is', null)
    .execute()
  let sealed = 0
  for (const h of heads) {
    if (d.checkpointed?.(h.org_id)) {
      d.logger.error(
        { orgId: h.org_id },
        'audit chain head lost its key seal although the chain has signed checkpoints: not re-sealed (verify reports it)',
      )
      continue
    }
    const seq = Number(h.seq)
    const keyedFrom = seq + 1
    const won = await d.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('audit_heads')
        .set({ keyed_from: keyedFrom, mac: d.mac.head(h.org_id, seq, h.hash, keyedFrom) })
        .where('org_id', '=', h.org_id)
        .where('seq', '=', seq)
        .where('hash', '=', h.hash)
        .where('keyed_from', 'is', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) return false
      // The upgrade point itself is on the record, as the first keyed record.
      await d.audit.record(trx, {
        orgId: h.org_id,
        actor: 'system',
        actorKind: 'system',
        action: 'audit.chain_keyed',
        details: { legacyRecords: seq, legacyHead: h.hash },
      })
      return true
    })
    if (won) {
      sealed += 1
      d.logger.warn(
        { orgId: h.org_id, legacyRecords: seq },
        'audit chain keyed: earlier records verify as legacy (unkeyed) records',
      )
    }
  }
  return sealed
}
