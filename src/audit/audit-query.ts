/**
 * Reading the audit log: filtered, cursor-paged listing; full ordered iteration for export
 * and verification; chain verification against the head row and optional anchors.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { type HashedAuditRecord, recordFromRow } from './audit-record.js'
import { ChainVerifier, type VerifyResult } from './verify-records.js'

export interface AuditFilter {
  from?: number
  to?: number
  actor?: string
  credentialId?: string
  model?: string
  action?: string
  /** Cursor: a seq number; `desc` pages return records below it, `asc` above it. */
  after?: number
  limit: number
  order: 'asc' | 'desc'
}

export async function listAudit(
  db: Kysely<Database>,
  orgId: string,
  f: AuditFilter,
): Promise<{ data: HashedAuditRecord[]; nextCursor: string | null }> {
  let q = db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId)
  if (f.from !== undefined) q = q.where('ts', '>=', f.from)
  if (f.to !== undefined) q = q.where('ts', '<', f.to)
  if (f.actor) q = q.where('actor', '=', f.actor)
  if (f.credentialId) q = q.where('credential_id', '=', f.credentialId)
  if (f.model) q = q.where('model', '=', f.model)
  if (f.action) q = q.where('action', '=', f.action)
  if (f.after !== undefined) q = q.where('seq', f.order === 'desc' ? '<' : '>', f.after)
  const rows = await q
    .orderBy('seq', f.order)
    .limit(f.limit + 1)
    .execute()
  const data = rows.slice(0, f.limit).map(recordFromRow)
  const nextCursor = rows.length > f.limit ? String(data[data.length - 1]!.seq) : null
  return { data, nextCursor }
}

/** Every record of an org in sequence order, read page by page. */
export async function* iterateChain(
  db: Kysely<Database>,
  orgId: string,
  pageSize = 1000,
): AsyncGenerator<HashedAuditRecord> {
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(pageSize)
      .execute()
    for (const r of rows) yield recordFromRow(r)
    if (rows.length < pageSize) return
    after = Number(rows[rows.length - 1]!.seq)
  }
}

export interface Anchor {
  seq: number
  hash: string
}

/**
 * Verifies an org's whole chain, then that it ends at the head row (a deleted tail is
 * detected) and, when given, that an anchor from a logged checkpoint is still in it (a
 * truncation that also rewound the head is detected).
 */
export async function verifyChain(
  db: Kysely<Database>,
  orgId: string,
  anchor?: Anchor,
): Promise<VerifyResult> {
  const v = new ChainVerifier()
  let anchorSeen = false
  for await (const r of iterateChain(db, orgId)) {
    if (!v.push(r)) break
    if (anchor && r.seq === anchor.seq) {
      if (r.hash !== anchor.hash) {
        return {
          ok: false,
          brokenAt: r.seq,
          id: r.id,
          reason: 'record differs from the checkpoint',
          count: r.seq - 1,
        }
      }
      anchorSeen = true
    }
  }
  const head = await db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('org_id', '=', orgId)
    .executeTakeFirst()
  const res = v.result(head ? { seq: Number(head.seq), hash: head.hash } : undefined)
  if (!res.ok) return res
  if (!head && res.count > 0) {
    return { ok: false, brokenAt: 1, id: null, reason: 'chain head row is missing', count: res.count }
  }
  if (anchor && !anchorSeen) {
    return {
      ok: false,
      brokenAt: anchor.seq,
      id: null,
      reason: 'checkpointed record is missing (truncated)',
      count: res.count,
    }
  }
  return res
}
