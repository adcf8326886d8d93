/**
 * Appends records to an org's hash chain inside the caller's transaction.
 *
 * The sequence number is taken under a lock on the org's `audit_heads` row: the first
 * statement is an UPDATE of that row, which on PostgreSQL holds a row lock until the
 * transaction ends (a second instance appending to the same org waits there) and on SQLite
 * takes the database write lock. So two appenders can never read the same head: the chain
 * never forks, and a rolled-back change leaves no record behind.
 *
 * Every record gets an HMAC of its hash and the head an HMAC of its position (chain-mac.ts):
 * the SHA-256 chain is public and recomputable, the MACs need the master key.
 * @module
 */
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { AuditLogTable } from '../db/tables/audit.js'
import { newId } from '../identity/secrets.js'
import {
  type AuditRecord,
  GENESIS_HASH,
  type HashedAuditRecord,
  hashRecord,
  recordTexts,
  rowFromRecord,
} from './audit-record.js'
import type { ChainMac } from './chain-mac.js'

/** A record before it has a place in the chain. */
export type NewAuditRecord = Omit<AuditRecord, 'v' | 'id' | 'orgId' | 'seq' | 'prevHash'> & {
  id?: string
  /** Usage record id for call records: makes journal replay idempotent. */
  eventId?: string | null
}

/** 23 columns per row; keeps one INSERT well under SQLite's 32766 bound parameters. */
const ROWS_PER_INSERT = 500

export async function appendToChain(
  trx: Transaction<Database> | Kysely<Database>,
  orgId: string,
  entries: NewAuditRecord[],
  mac: ChainMac,
  now = Date.now(),
): Promise<HashedAuditRecord[]> {
  if (entries.length === 0) return []
  const n = entries.length
  const bump = () =>
    trx
      .updateTable('audit_heads')
      .set((eb) => ({ seq: eb('seq', '+', n), updated_at: now }))
      .where('org_id', '=', orgId)
      .executeTakeFirst()
  let res = await bump()
  if (Number(res.numUpdatedRows) === 0) {
    // A new chain is keyed from its first record.
    await trx
      .insertInto('audit_heads')
      .values({ org_id: orgId, seq: 0, hash: GENESIS_HASH, updated_at: now, keyed_from: 1 })
      .onConflict((oc) => oc.column('org_id').doNothing())
      .execute()
    res = await bump()
    if (Number(res.numUpdatedRows) !== 1) throw new Error('audit chain head could not be locked')
  }
  const head = await trx
    .selectFrom('audit_heads')
    .select(['seq', 'hash', 'keyed_from'])
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow()

  const { out, rows, last } = chainRecords(orgId, Number(head.seq) - n, head.hash, entries, mac)
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await trx
      .insertInto('audit_log')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .execute()
  }
  const seq = Number(head.seq)
  const keyedFrom = head.keyed_from === null ? null : Number(head.keyed_from)
  await trx
    .updateTable('audit_heads')
    .set({ hash: last, mac: mac.head(orgId, seq, last, keyedFrom) })
    .where('org_id', '=', orgId)
    .execute()
  return out
}

/**
 * Places entries after a chain head (`seq`, `hash` of the last record): assigns sequence
 * numbers and hashes. Pure; shared by the Kysely appender above and the SQLite fast path.
 */
export function chainRecords(
  orgId: string,
  afterSeq: number,
  afterHash: string,
  entries: NewAuditRecord[],
  mac: ChainMac,
): { out: HashedAuditRecord[]; rows: AuditLogTable[]; last: string } {
  let seq = afterSeq
  let prevHash = afterHash
  const out: HashedAuditRecord[] = []
  const rows: AuditLogTable[] = []
  for (const e of entries) {
    const { eventId, id, ...fields } = e
    seq += 1
    const record: AuditRecord = { v: 1, id: id ?? newId('aud'), orgId, seq, ...fields, prevHash }
    const texts = recordTexts(record)
    const hashed = { ...record, hash: hashRecord(record, texts) }
    out.push(hashed)
    rows.push(rowFromRecord(hashed, eventId ?? null, mac.record(hashed.hash), texts))
    prevHash = hashed.hash
  }
  return { out, rows, last: prevHash }
}
