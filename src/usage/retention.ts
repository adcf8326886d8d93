/**
 * Usage retention: the leader deletes usage rows older than LATCHKEY_USAGE_RETENTION. A row
 * a budget still counts is never deleted: budgets start a window's counter from the usage
 * rows inside it (budget-spend.ts), so the cut never goes past the start of this month (day
 * and month windows) or of a fixed window that has not ended.
 * @module
 */
import type { Kysely } from 'kysely'
import type { ChainMac } from '../audit/chain-mac.js'
import type { AuditCheckpoints } from '../audit/checkpoint.js'
import { type AuditPruneResult, pruneAudit } from '../audit/retention.js'
import type { Database } from '../db/schema.js'
import type { Runtime } from '../server/runtime.js'

/** Deletes usage rows before `cutoff` (held back by open budget windows); returns the count. */
export async function pruneUsage(db: Kysely<Database>, cutoff: number, now: number): Promise<number> {
  const d = new Date(now)
  let cut = Math.min(cutoff, Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1))
  const fixed = await db
    .selectFrom('budgets')
    .select((eb) => eb.fn.min('starts_at').as('start'))
    .where('window', '=', 'fixed')
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .executeTakeFirst()
  if (fixed?.start != null) cut = Math.min(cut, Number(fixed.start))
  const r = await db.deleteFrom('usage_records').where('ts', '<', cut).executeTakeFirst()
  return Number(r.numDeletedRows)
}

export interface RetentionResult {
  usageDeleted: number
  audit: AuditPruneResult[]
}

/** One pass of both retentions, as configured; the clock is the runtime's (tests move it). */
export async function runRetention(
  rt: Runtime,
  mac: ChainMac,
  checkpoints: AuditCheckpoints,
): Promise<RetentionResult> {
  const now = rt.clock()
  const { usageRetentionMs, auditRetentionMs } = rt.config
  const usageDeleted = usageRetentionMs === null ? 0 : await pruneUsage(rt.db.db, now - usageRetentionMs, now)
  if (usageDeleted > 0) rt.logger.info({ deleted: usageDeleted }, 'usage retention: deleted old usage rows')
  const audit =
    auditRetentionMs === null
      ? []
      : await pruneAudit(rt.db.db, now - auditRetentionMs, { mac, checkpoints, logger: rt.logger, now })
  return { usageDeleted, audit }
}
