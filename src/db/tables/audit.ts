/**
 * The audit log: one append-only hash chain per org. `audit_heads` holds each chain's last
 * sequence number and hash; appenders lock that row so several instances never fork a chain.
 * @module
 */

export interface AuditLogTable {
  id: string
  org_id: string
  /** Strictly increasing per org, 1-based, no gaps. */
  seq: number
  ts: number
  actor: string
  actor_kind: string
  action: string
  target_type: string | null
  target_id: string | null
  credential_id: string | null
  workspace_id: string | null
  provider: string | null
  model: string | null
  status: string | null
  /** JSON text (shape only, never content). */
  input_shape: string | null
  output_shape: string | null
  usage: string | null
  cost_usd: number | null
  latency_ms: number | null
  details: string | null
  /** Usage record id for call records (replay idempotency); null for management events. */
  event_id: string | null
  prev_hash: string
  hash: string
  /** HMAC of `hash` under the chain key (audit/chain-mac.ts); null for records written before the chain was keyed. */
  mac: string | null
}

export interface AuditHeadsTable {
  org_id: string
  seq: number
  hash: string
  updated_at: number
  /** First keyed sequence number: records below it are legacy (unkeyed, pre-upgrade). */
  keyed_from: number | null
  /** HMAC of (org, seq, hash, keyed_from) under the chain key. */
  mac: string | null
}

export interface AuditTables {
  audit_log: AuditLogTable
  audit_heads: AuditHeadsTable
}
