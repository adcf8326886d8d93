/**
 * SQLite fast path of the usage writer: one extra better-sqlite3 connection to the same file
 * with prepared statements, so a batch costs no SQL compilation or statement preparation
 * (which is most of the non-SQLite time of a multi-row Kysely insert). The batch runs as one
 * synchronous `BEGIN IMMEDIATE` transaction, started only while the caller holds the main
 * Kysely connection (`db.connection().execute`): no transaction of this process is open on
 * the other connection meanwhile, so neither can see a stale snapshot or wait on the other.
 * Same rows, same chain logic (`chainRecords`) as the Kysely path.
 * @module
 */
import SqliteDatabase from 'better-sqlite3'
import { GENESIS_HASH } from '../audit/audit-record.js'
import { chainRecords, type NewAuditRecord } from '../audit/chain.js'
import { ChainMac } from '../audit/chain-mac.js'
import type { AuditLogTable } from '../db/tables/audit.js'
import type { UsageRecordsTable } from '../db/tables/usage.js'

type Stmt = SqliteDatabase.Statement

const USAGE_COLS: (keyof UsageRecordsTable)[] = [
  'id',
  'request_id',
  'ts',
  'org_id',
  'workspace_id',
  'principal_id',
  'principal_kind',
  'user_id',
  'token_id',
  'credential_id',
  'provider',
  'requested_model',
  'model',
  'endpoint',
  'stream',
  'route',
  'attempt',
  'attempts',
  'run_id',
  'step_id',
  'workflow_id',
  'status',
  'http_status',
  'error_code',
  'latency_ms',
  'ttft_ms',
  'input_tokens',
  'output_tokens',
  'cached_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'price_known',
]
const AUDIT_COLS: (keyof AuditLogTable)[] = [
  'id',
  'org_id',
  'seq',
  'ts',
  'actor',
  'actor_kind',
  'action',
  'target_type',
  'target_id',
  'credential_id',
  'workspace_id',
  'provider',
  'model',
  'status',
  'input_shape',
  'output_shape',
  'usage',
  'cost_usd',
  'latency_ms',
  'details',
  'event_id',
  'prev_hash',
  'hash',
  'mac',
]

// Positional parameters bound from arrays: named ones cost a property lookup per column
// per row inside the binding (most of the batch's non-SQLite time on the writer thread).
const insertSql = (table: string, cols: string[]) =>
  `insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`

function valuesOf<T>(row: T, cols: (keyof T)[]): unknown[] {
  const out = new Array<unknown>(cols.length)
  for (let i = 0; i < cols.length; i++) out[i] = row[cols[i]!]
  return out
}

export interface BatchItem {
  id: string
  check: boolean
  usage: UsageRecordsTable
  audit: NewAuditRecord
  orgId: string
}

export class SqliteBatchWriter {
  #db: SqliteDatabase.Database
  #insUsage: Stmt
  #insAudit: Stmt
  #exists: Stmt
  #bump: Stmt
  #newHead: Stmt
  #head: Stmt
  #setHash: Stmt
  #tx: SqliteDatabase.Transaction<(items: BatchItem[]) => number>
  #mac: ChainMac

  /** `macKey`: the audit chain's MAC key (audit/chain-mac.ts). */
  constructor(file: string, macKey: Buffer) {
    this.#mac = new ChainMac(macKey)
    this.#db = new SqliteDatabase(file)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('busy_timeout = 10000')
    this.#db.pragma('synchronous = NORMAL')
    this.#insUsage = this.#db.prepare(insertSql('usage_records', USAGE_COLS))
    this.#insAudit = this.#db.prepare(insertSql('audit_log', AUDIT_COLS))
    this.#exists = this.#db.prepare('select 1 from usage_records where id = ?').pluck()
    this.#bump = this.#db.prepare('update audit_heads set seq = seq + ?, updated_at = ? where org_id = ?')
    this.#newHead = this.#db.prepare(
      'insert into audit_heads (org_id, seq, hash, updated_at, keyed_from) values (?, 0, ?, ?, 1) on conflict (org_id) do nothing',
    )
    this.#head = this.#db.prepare('select seq, hash, keyed_from from audit_heads where org_id = ?')
    this.#setHash = this.#db.prepare('update audit_heads set hash = ?, mac = ? where org_id = ?')
    this.#tx = this.#db.transaction((items: BatchItem[]) => this.#write(items))
  }

  /** Writes one batch atomically; returns how many rows were new. Synchronous. */
  write(items: BatchItem[]): number {
    return this.#tx.immediate(items)
  }

  close(): void {
    this.#db.close()
  }

  #write(batch: BatchItem[]): number {
    const items = batch.filter((i) => !i.check || this.#exists.get(i.id) === undefined)
    if (items.length === 0) return 0
    for (const i of items) this.#insUsage.run(valuesOf(i.usage, USAGE_COLS))
    const byOrg = new Map<string, NewAuditRecord[]>()
    for (const i of items) {
      const list = byOrg.get(i.orgId) ?? []
      list.push(i.audit)
      byOrg.set(i.orgId, list)
    }
    const now = Date.now()
    for (const [orgId, entries] of byOrg) {
      const n = entries.length
      if (this.#bump.run(n, now, orgId).changes === 0) {
        this.#newHead.run(orgId, GENESIS_HASH, now)
        this.#bump.run(n, now, orgId)
      }
      const head = this.#head.get(orgId) as { seq: number; hash: string; keyed_from: number | null }
      const { rows, last } = chainRecords(orgId, Number(head.seq) - n, head.hash, entries, this.#mac)
      for (const r of rows) this.#insAudit.run(valuesOf(r, AUDIT_COLS))
      const keyedFrom = head.keyed_from === null ? null : Number(head.keyed_from)
      this.#setHash.run(last, this.#mac.head(orgId, Number(head.seq), last, keyedFrom), orgId)
    }
    return items.length
  }
}
