/**
 * Reading the audit log: filtered, cursor-paged listing; full ordered iteration for export
 * and verification; chain verification with the chain key, against the head row and
 * checkpoints.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { AuditLogTable } from '../db/tables/audit.js'
import { GENESIS_HASH, type HashedAuditRecord, recordFromRow } from './audit-record.js'
import { ChainMac } from './chain-mac.js'
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

/** Every stored row of an org's chain in sequence order, read page by page. */
async function* iterateRows(
  db: Kysely<Database>,
  orgId: string,
  pageSize = 1000,
): AsyncGenerator<AuditLogTable> {
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
    yield* rows
    if (rows.length < pageSize) return
    after = Number(rows[rows.length - 1]!.seq)
  }
}

/** Every record of an org in sequence order, read page by page. */
export async function* iterateChain(
  db: Kysely<Database>,
  orgId: string,
  pageSize = 1000,
): AsyncGenerator<HashedAuditRecord> {
  for await (const r of iterateRows(db, orgId, pageSize)) yield recordFromRow(r)
}

export interface Anchor {
  seq: number
  hash: string
}

export interface VerifyOptions {
  /** The chain key: every keyed record and the head must carry its MAC. */
  mac: ChainMac
  /** Checkpoints the chain must still contain unchanged (signed checkpoint file, a logged anchor). */
  anchors?: Anchor[]
}

const readHead = (db: Kysely<Database>, orgId: string) =>
  db
    .selectFrom('audit_heads')
    .select(['seq', 'hash', 'keyed_from', 'mac'])
    .where('org_id', '=', orgId)
    .executeTakeFirst()

/** Where retention left an org's chain (null: never pruned). */
export const readPrunePoint = (db: Kysely<Database>, orgId: string) =>
  db
    .selectFrom('audit_prune_points')
    .select(['seq', 'hash', 'pruned', 'mac'])
    .where('org_id', '=', orgId)
    .executeTakeFirst()

/**
 * Verifies an org's whole chain: links, hashes and record MACs; then that it ends at the head
 * row (a deleted tail is detected), that the head carries its MAC (a rewound or rewritten head
 * is detected) and that every anchor is still in it (a truncation below a checkpoint, or a
 * chain replaced wholesale, is detected). A chain pruned by retention starts after its prune
 * point, which must carry its MAC (a start moved by a database writer is detected); anchors
 * below the prune point name records deleted on purpose and are not looked for.
 */
export async function verifyChain(
  db: Kysely<Database>,
  orgId: string,
  opts: VerifyOptions,
): Promise<VerifyResult> {
  const anchors = new Map<number, string>()
  // Two different hashes for one position cannot both match: keep a value that matches neither.
  for (const a of opts.anchors ?? [])
    anchors.set(a.seq, anchors.has(a.seq) && anchors.get(a.seq) !== a.hash ? '' : a.hash)
  // The head is read once, before the records: appends that commit while the records are read
  // lie beyond it, carry their own MACs and are checked like the rest, so a busy chain never
  // reads as truncated (the head row and its records commit in one transaction).
  const head = await readHead(db, orgId)
  const headSeq = head ? Number(head.seq) : 0
  // An unsealed head fails below; its records are checked as far as the SHA-256 chain goes.
  const keyedFrom = head?.keyed_from == null ? Number.POSITIVE_INFINITY : Number(head.keyed_from)
  const pp = await readPrunePoint(db, orgId)
  const from = pp && { seq: Number(pp.seq), hash: pp.hash }
  if (from) {
    const bad = (reason: string): VerifyResult => ({
      ok: false,
      brokenAt: from.seq,
      id: null,
      reason,
      count: 0,
    })
    if (!ChainMac.equal(pp.mac, opts.mac.prunePoint(orgId, from.seq, from.hash))) {
      return bad('prune point MAC does not match (chain start moved without the audit key)')
    }
    const at = anchors.get(from.seq)
    if (at !== undefined && at !== from.hash) return bad('prune point differs from the checkpoint')
    for (const s of [...anchors.keys()]) if (s <= from.seq) anchors.delete(s)
  }
  const v = new ChainVerifier({ mac: opts.mac, keyedFrom }, from ?? undefined)
  let seen = 0
  // The record at the head's position; a chain pruned through its head has none left.
  let hashAtHead: string | undefined =
    headSeq === 0 ? GENESIS_HASH : from && headSeq === from.seq ? from.hash : undefined
  for await (const row of iterateRows(db, orgId)) {
    const r = recordFromRow(row)
    if (!v.push(r, row.mac)) break
    if (r.seq === headSeq) hashAtHead = r.hash
    const want = anchors.get(r.seq)
    if (want === undefined) continue
    if (want !== r.hash) {
      return {
        ok: false,
        brokenAt: r.seq,
        id: r.id,
        reason: 'record differs from the checkpoint',
        count: r.seq - 1 - (from?.seq ?? 0),
      }
    }
    seen += 1
  }
  const res = v.result()
  if (!res.ok) return res
  const fail = (brokenAt: number, reason: string): VerifyResult => ({
    ok: false,
    brokenAt,
    id: null,
    reason,
    count: res.count,
  })
  if (seen < anchors.size) {
    const missing = Math.min(...[...anchors.keys()].filter((s) => s > res.head.seq))
    return fail(missing, 'checkpointed record is missing (truncated)')
  }
  if (!head) return res.head.seq > 0 ? fail(1, 'chain head row is missing') : res
  // Sequence numbers, not counts: a pruned chain starts after its prune point.
  const last = res.head.seq
  if (last < headSeq) {
    return fail(last + 1, `chain ends at ${last} but its head says ${headSeq}: records were truncated`)
  }
  if (hashAtHead !== head.hash) return fail(headSeq, 'chain head does not match the record at its position')
  if (head.keyed_from === null) return fail(headSeq, 'chain head is not sealed with the audit key')
  const expected = opts.mac.head(orgId, headSeq, head.hash, Number(head.keyed_from))
  if (!ChainMac.equal(head.mac, expected)) {
    return fail(headSeq, 'chain head MAC does not match (head rewritten or rewound without the audit key)')
  }
  return from ? { ...res, prunedThrough: from.seq } : res
}
