import type { Principal } from '../../../identity/principal.js'
import type { Usage } from './usage.js'

/** OpenAI Chat Completions request body (the gateway's canonical in-process request). */
export type ChatRequest = Record<string, unknown> & {
  model: string
  messages: unknown[]
  stream?: boolean
}

export interface InvokeContext {
  principal: Principal
  requestId?: string
  workspaceId?: string | null
  runId?: string | null
  stepId?: string | null
  workflowId?: string | null
  signal?: AbortSignal
  /**
   * Another principal that must be able to use every credential the call resolves (workflow
   * runs: the recipe version's last editor). Optional; absent = the principal alone decides.
   */
  alsoUsableBy?: Principal
}

export interface InvokeResult {
  /** OpenAI Chat Completions response body. */
  response: Record<string, unknown>
  usage: Usage | null
  costUsd: number | null
  credentialId: string
  provider: string
  model: string
  latencyMs: number
  attempts: number
}

/**
 * In-process call used by workflows and compare: the same routing, budgets, metering and audit
 * as the HTTP gateway (DESIGN.md seam).
 */
export type Invoke = (request: ChatRequest, ctx: InvokeContext) => Promise<InvokeResult>
