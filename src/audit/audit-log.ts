/**
 * `rt.audit`: writes management events into the org's hash chain in the caller's
 * transaction, so a change and its audit record commit (or roll back) together.
 * @module
 */
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { AuditEvent, AuditWriter } from './audit-event.js'
import { appendToChain, type NewAuditRecord } from './chain.js'
import type { ChainMac } from './chain-mac.js'
import { sanitizeDetails } from './sanitize.js'

export function auditEventRecord(e: AuditEvent): NewAuditRecord {
  return {
    ts: e.ts ?? Date.now(),
    actor: e.actor,
    actorKind: e.actorKind,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    credentialId: e.credentialId ?? null,
    workspaceId: e.workspaceId ?? null,
    provider: null,
    model: null,
    status: null,
    inputShape: null,
    outputShape: null,
    usage: null,
    costUsd: null,
    latencyMs: null,
    details: e.details ? sanitizeDetails(e.details) : null,
  }
}

export class ChainAuditWriter implements AuditWriter {
  constructor(private readonly mac: ChainMac) {}

  async record(trx: Kysely<Database> | Transaction<Database>, event: AuditEvent): Promise<void> {
    const entry = auditEventRecord(event)
    if (trx.isTransaction) {
      await appendToChain(trx, event.orgId, [entry], this.mac)
      return
    }
    // Called outside a transaction (system events such as budget alerts): make one, so the
    // head lock is held for the whole append.
    await trx.transaction().execute((t) => appendToChain(t, event.orgId, [entry], this.mac))
  }
}
