import type { ContentShape, Usage } from './usage.js'

export type CallStatus = 'ok' | 'error' | 'cancelled'

/**
 * Emitted once per gateway call (and per attempt, with `attempt` set, when a route retries or
 * fails over). Consumed by usage, audit and metrics. Holds shapes and counts, never content.
 */
export interface CallEvent {
  /** Request id (also the `x-latchkey-request-id` header). */
  requestId: string
  ts: number
  orgId: string
  workspaceId: string | null
  /** Principal: token id or user id, and which of the two. */
  principalId: string
  principalKind: 'token' | 'user'
  userId: string | null
  tokenId: string | null
  credentialId: string | null
  provider: string | null
  /** Model as the caller named it (credential/model or route alias). */
  requestedModel: string
  /** Upstream model id actually called. */
  model: string | null
  endpoint: 'chat' | 'messages' | 'embeddings' | 'responses' | 'count_tokens' | 'models' | 'invoke'
  stream: boolean
  route: string | null
  /** 1-based attempt number of the final attempt; attempts = how many were made. */
  attempt: number
  attempts: number
  runId: string | null
  stepId: string | null
  workflowId: string | null
  status: CallStatus
  httpStatus: number
  /** Stable error code when status != ok (e.g. upstream_timeout), never upstream text. */
  errorCode: string | null
  latencyMs: number
  ttftMs: number | null
  usage: Usage | null
  /** Cost in USD computed from usage and prices; null when the price is unknown. */
  costUsd: number | null
  inputShape: ContentShape
  outputShape: ContentShape
}

/** Where call events go. Must never block or throw on the request path. */
export interface CallEventSink {
  emit(event: CallEvent): void
  /**
   * Resolves once the events emitted so far are durable (the usage writer's journal; it
   * group-commits once per event-loop turn); undefined when nothing is pending. The gateway
   * awaits it before answering, so an answered call is never lost to a crash.
   */
  settled?(): Promise<void> | undefined
}
