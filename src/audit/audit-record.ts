/**
 * The audit record as it is hashed, listed and exported, and its hash: SHA-256 over the
 * RFC 8785 (JCS) canonical JSON of every field but `hash`. The same function verifies the
 * chain in the server, in `latchkey audit verify` and offline (docs/usage-and-audit.md).
 * @module
 */
import { hash } from 'node:crypto'
import type { AuditLogTable } from '../db/tables/audit.js'
import { canonicalJson, canonicalWithKnownKeys } from './canonical-json.js'

/** Hash of the (empty) chain before the first record of an org. */
export const GENESIS_HASH = '0'.repeat(64)

/** One audit record. Shapes and usage are objects of counts/names, never text. */
export interface AuditRecord {
  /** Record format version, part of the hash. */
  v: 1
  id: string
  orgId: string
  seq: number
  ts: number
  actor: string
  actorKind: string
  action: string
  targetType: string | null
  targetId: string | null
  credentialId: string | null
  workspaceId: string | null
  provider: string | null
  model: string | null
  status: string | null
  inputShape: Record<string, unknown> | null
  outputShape: Record<string, unknown> | null
  usage: Record<string, unknown> | null
  costUsd: number | null
  latencyMs: number | null
  details: Record<string, unknown> | null
  prevHash: string
}

export type HashedAuditRecord = AuditRecord & { hash: string }

/** Every AuditRecord field but `hash`, in canonical (UTF-16 code unit) order. */
const RECORD_KEYS = [
  'action',
  'actor',
  'actorKind',
  'costUsd',
  'credentialId',
  'details',
  'id',
  'inputShape',
  'latencyMs',
  'model',
  'orgId',
  'outputShape',
  'prevHash',
  'provider',
  'seq',
  'status',
  'targetId',
  'targetType',
  'ts',
  'usage',
  'v',
  'workspaceId',
] as const satisfies readonly Exclude<keyof HashedAuditRecord, 'hash'>[]

/** The JSON-valued fields, stored as text columns. */
export interface RecordTexts {
  inputShape: string | null
  outputShape: string | null
  usage: string | null
  details: string | null
}

/** Canonical JSON of the object fields: the hash input's pieces and the stored column text at once. */
export function recordTexts(r: AuditRecord): RecordTexts {
  const c = (v: Record<string, unknown> | null) => (v === null ? null : canonicalJson(v))
  return {
    inputShape: c(r.inputShape),
    outputShape: c(r.outputShape),
    usage: c(r.usage),
    details: c(r.details),
  }
}

/** SHA-256 hex of the canonical JSON of the record without its `hash` field. */
export function hashRecord(record: AuditRecord | HashedAuditRecord, texts?: RecordTexts): string {
  const pieces: Record<string, string> = {}
  if (texts) for (const [k, v] of Object.entries(texts)) if (v !== null) pieces[k] = v
  return hash(
    'sha256',
    canonicalWithKnownKeys(record as unknown as Record<string, unknown>, RECORD_KEYS, pieces),
    'hex',
  )
}

const json = (v: string | null): Record<string, unknown> | null => (v === null ? null : JSON.parse(v))
const text = (v: Record<string, unknown> | null): string | null => (v === null ? null : JSON.stringify(v))

export function recordFromRow(r: AuditLogTable): HashedAuditRecord {
  return {
    v: 1,
    id: r.id,
    orgId: r.org_id,
    seq: Number(r.seq),
    ts: Number(r.ts),
    actor: r.actor,
    actorKind: r.actor_kind,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    credentialId: r.credential_id,
    workspaceId: r.workspace_id,
    provider: r.provider,
    model: r.model,
    status: r.status,
    inputShape: json(r.input_shape),
    outputShape: json(r.output_shape),
    usage: json(r.usage),
    costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
    latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
    details: json(r.details),
    prevHash: r.prev_hash,
    hash: r.hash,
  }
}

/** The stored row; `texts` (canonical JSON, as hashed) when the caller has them already. */
export function rowFromRecord(
  r: HashedAuditRecord,
  eventId: string | null,
  mac: string | null,
  texts?: RecordTexts,
): AuditLogTable {
  return {
    id: r.id,
    org_id: r.orgId,
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    actor_kind: r.actorKind,
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    credential_id: r.credentialId,
    workspace_id: r.workspaceId,
    provider: r.provider,
    model: r.model,
    status: r.status,
    input_shape: texts ? texts.inputShape : text(r.inputShape),
    output_shape: texts ? texts.outputShape : text(r.outputShape),
    usage: texts ? texts.usage : text(r.usage),
    cost_usd: r.costUsd,
    latency_ms: r.latencyMs,
    details: texts ? texts.details : text(r.details),
    event_id: eventId,
    prev_hash: r.prevHash,
    hash: r.hash,
    mac,
  }
}
