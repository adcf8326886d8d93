/**
 * The metering record of one gateway call, filled in as the call progresses and emitted once
 * as a CallEvent at its end (success, error or cancel). Shapes and counts only.
 * @module
 */
import type { AppError } from '../errors/app-error.js'
import type { Principal } from '../identity/principal.js'
import type { Target } from './plan.js'
import type { CallEvent, CallStatus, ContentShape, Usage } from './spec/v1/index.js'

export interface CallRecordInit {
  requestId: string
  principal: Principal
  workspaceId: string | null
  requestedModel: string
  endpoint: CallEvent['endpoint']
  stream: boolean
  runId?: string | null
  stepId?: string | null
  workflowId?: string | null
  inputShape: ContentShape
}

export class CallRecord {
  readonly ts = Date.now()
  readonly t0 = performance.now()
  target: Target | null = null
  route: string | null = null
  attempt = 0
  ttftMs: number | null = null

  constructor(readonly init: CallRecordInit) {}

  elapsed(): number {
    return Math.round((performance.now() - this.t0) * 100) / 100
  }

  event(o: {
    status: CallStatus
    httpStatus: number
    error?: AppError | null
    usage: Usage | null
    costUsd: number | null
    outputShape: ContentShape
  }): CallEvent {
    const p = this.init.principal
    const t = this.target
    return {
      requestId: this.init.requestId,
      ts: this.ts,
      orgId: p.orgId,
      workspaceId: this.init.workspaceId,
      principalId: p.id,
      principalKind: p.kind,
      userId: p.userId,
      tokenId: p.tokenId,
      credentialId: t?.credential.credentialId ?? null,
      provider: t?.credential.provider ?? null,
      requestedModel: this.init.requestedModel,
      model: t?.upstreamModel ?? null,
      endpoint: this.init.endpoint,
      stream: this.init.stream,
      route: this.route,
      attempt: this.attempt,
      attempts: this.attempt,
      runId: this.init.runId ?? null,
      stepId: this.init.stepId ?? null,
      workflowId: this.init.workflowId ?? null,
      status: o.status,
      httpStatus: o.httpStatus,
      errorCode:
        o.status === 'ok' ? null : (o.error?.code ?? (o.status === 'cancelled' ? 'client_closed' : 'error')),
      latencyMs: this.elapsed(),
      ttftMs: this.ttftMs,
      usage: o.usage,
      costUsd: o.costUsd,
      inputShape: this.init.inputShape,
      outputShape: o.outputShape,
    }
  }
}
