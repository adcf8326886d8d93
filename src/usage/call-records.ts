/**
 * Maps a CallEvent to its usage row and its shape-only audit record.
 * @module
 */

import type { NewAuditRecord } from '../audit/chain.js'
import { sanitizeShape } from '../audit/sanitize.js'
import type { UsageRecordsTable } from '../db/tables/usage.js'
import type { CallEvent } from '../gateway/spec/v1/call-event.js'

const int = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0
const cut = (v: string | null | undefined, n: number): string | null =>
  v == null ? null : String(v).slice(0, n)
const cost = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

export function usageRow(id: string, e: CallEvent): UsageRecordsTable {
  const u = e.usage
  return {
    id,
    request_id: cut(e.requestId, 64) ?? id,
    ts: int(e.ts),
    org_id: e.orgId,
    workspace_id: e.workspaceId ?? null,
    principal_id: e.principalId,
    principal_kind: e.principalKind,
    user_id: e.userId ?? null,
    token_id: e.tokenId ?? null,
    credential_id: e.credentialId ?? null,
    provider: cut(e.provider, 64),
    requested_model: cut(e.requestedModel, 300) ?? '',
    model: cut(e.model, 300),
    endpoint: cut(e.endpoint, 32) ?? 'chat',
    stream: e.stream ? 1 : 0,
    route: cut(e.route, 200),
    attempt: int(e.attempt),
    attempts: int(e.attempts),
    run_id: e.runId ?? null,
    step_id: cut(e.stepId, 200),
    workflow_id: e.workflowId ?? null,
    status: e.status,
    http_status: int(e.httpStatus),
    error_code: cut(e.errorCode, 64),
    latency_ms: int(e.latencyMs),
    ttft_ms: e.ttftMs == null ? null : int(e.ttftMs),
    input_tokens: int(u?.inputTokens),
    output_tokens: int(u?.outputTokens),
    cached_read_tokens: int(u?.cachedReadTokens),
    cache_write_tokens: int(u?.cacheWriteTokens),
    reasoning_tokens: int(u?.reasoningTokens),
    cost_usd: cost(e.costUsd),
    // A call without usage costs nothing; one with usage but no cost had no known price.
    price_known: u && cost(e.costUsd) === null ? 0 : 1,
  }
}

/** `gateway.call` (or `workflow.step` inside a run): who, which key and model, shapes, counts. */
export function callAuditRecord(id: string, e: CallEvent): NewAuditRecord {
  const u = e.usage
  return {
    id: `aud_${id.replace(/^use_/, '')}`,
    eventId: id,
    ts: int(e.ts),
    actor: e.principalId,
    actorKind: e.principalKind,
    action: e.stepId ? 'workflow.step' : 'gateway.call',
    targetType: null,
    targetId: null,
    credentialId: e.credentialId ?? null,
    workspaceId: e.workspaceId ?? null,
    provider: cut(e.provider, 64),
    model: cut(e.model, 300),
    status: e.status,
    inputShape: sanitizeShape(e.inputShape),
    outputShape: sanitizeShape(e.outputShape),
    usage: u
      ? {
          inputTokens: int(u.inputTokens),
          outputTokens: int(u.outputTokens),
          cachedReadTokens: int(u.cachedReadTokens),
          cacheWriteTokens: int(u.cacheWriteTokens),
          reasoningTokens: int(u.reasoningTokens),
        }
      : null,
    costUsd: cost(e.costUsd),
    latencyMs: int(e.latencyMs),
    details: {
      requestId: cut(e.requestId, 64),
      endpoint: cut(e.endpoint, 32),
      stream: !!e.stream,
      requestedModel: cut(e.requestedModel, 300),
      route: cut(e.route, 200),
      attempt: int(e.attempt),
      attempts: int(e.attempts),
      httpStatus: int(e.httpStatus),
      errorCode: cut(e.errorCode, 64),
      ttftMs: e.ttftMs == null ? null : int(e.ttftMs),
      runId: e.runId ?? null,
      stepId: cut(e.stepId, 200),
      workflowId: e.workflowId ?? null,
    },
  }
}
