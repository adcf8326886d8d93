import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * A management action (credential created/rotated/revoked/granted, token created/revoked,
 * member and role changes, settings, budgets, approvals). Written in the same transaction as
 * the change it records, so nothing is acknowledged unaudited. `target` and `details` hold
 * identifiers and field names, never secrets or content.
 */
export interface AuditEvent {
  orgId: string
  /** Principal id (token or user) or `system` / `cli`. */
  actor: string
  actorKind: 'token' | 'user' | 'system' | 'cli'
  action: string
  targetType?: string
  targetId?: string
  credentialId?: string | null
  workspaceId?: string | null
  details?: Record<string, unknown>
  ts?: number
}

/** Persists management events inside the caller's transaction. */
export interface AuditWriter {
  record(trx: Kysely<Database> | Transaction<Database>, event: AuditEvent): Promise<void>
}
