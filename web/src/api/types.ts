/**
 * Shapes of the server's answers the pages read (DESIGN.md "Management API"). Fields the
 * server may not send yet are optional so a page degrades instead of crashing.
 * @module
 */

export type Role = 'owner' | 'admin' | 'member' | 'auditor'
export type Category = 'frontier' | 'sovereign' | 'local'

export interface Principal {
  kind: 'token' | 'user'
  id: string
  name: string
  role: Role
  orgId: string
  workspaceId: string | null
  userId?: string | null
  workspaceRoles?: Record<string, Role>
}

export interface Workspace {
  id: string
  name: string
  role?: Role
}

export interface Me {
  principal: Principal
  org?: { id: string; name: string }
  workspaces?: Workspace[]
  csrfToken?: string
}

export interface Credential {
  id: string
  name: string
  provider: string
  category?: Category
  baseUrl?: string | null
  /** http-secret only: the origins it may be sent to. */
  origins?: string[]
  region?: string | null
  scope?: string
  models?: string[] | null
  fingerprint?: string
  last4?: string
  version?: number
  createdAt?: string | number
  lastUsedAt?: string | number | null
  spendThisMonthUsd?: number
  rotatedAt?: string | null
  ownerUserId?: string | null
  /** Set when a personal key's owner left the org: usable by nobody until an owner reassigns it. */
  disabledAt?: string | null
  /** The caller's rights on this key (the server decides; the UI only hides what would fail). */
  canUse?: boolean
  canManage?: boolean
}

export interface Grant {
  id?: string
  right: 'use' | 'manage'
  subjectType?: 'user' | 'workspace' | 'token'
  subjectId?: string
  [k: string]: unknown
}

export interface ModelInfo {
  id: string
  object?: string
  owned_by?: string
  category?: Category
  provider?: string
  credential?: string
  /** What the model is for (`chat`, `embedding`, `audio`, …): pickers offer chat models only. */
  mode?: string
  capabilities?: string[]
  [k: string]: unknown
}

/** `GET /api/v1/models`: one model (or route alias) the caller may use, for the Models page. */
export interface ModelEntry {
  id: string
  kind: 'model' | 'route'
  credential: string | null
  provider: string | null
  category: Category | null
  region: string | null
  upstreamModel: string | null
  mode: string
  capabilities: string[]
  contextWindow: number | null
  /** USD per million tokens in force for the org, and where it comes from. */
  price: { source: 'override' | 'dataset'; input: number; output: number; cachedRead: number | null } | null
}

export interface Usage {
  prompt_tokens?: number
  completion_tokens?: number
  total_tokens?: number
  cost_usd?: number
  [k: string]: unknown
}

export interface UsageRow {
  key: string
  requests: number
  inputTokens: number
  outputTokens: number
  costUsd: number
  [k: string]: unknown
}

export interface AuditRecord {
  id: string
  seq?: number
  ts: string | number
  actor: string
  action: string
  credentialId?: string | null
  workspaceId?: string | null
  targetType?: string | null
  targetId?: string | null
  provider?: string | null
  model?: string | null
  status?: string | number | null
  inputShape?: unknown
  outputShape?: unknown
  usage?: unknown
  costUsd?: number | null
  latencyMs?: number | null
  prevHash?: string
  hash?: string
}

export type RunStatus = 'queued' | 'running' | 'waiting_review' | 'succeeded' | 'failed' | 'cancelled'

export interface RunStep {
  id: string
  kind?: 'model' | 'tool' | 'review'
  model?: string | null
  output?: unknown
  status: string
  usage?: { inputTokens?: number; outputTokens?: number; [k: string]: unknown } | null
  costUsd?: number | null
  latencyMs?: number | null
  error?: unknown
}

export interface Run {
  id: string
  workflowId?: string
  status: RunStatus
  steps: RunStep[]
  output?: unknown
  error?: unknown
  createdAt?: string | number
  costUsd?: number | null
  usage?: { inputTokens: number; outputTokens: number }
  waitingReview?: { stepId: string; role: string; message: string | null; notStarter?: boolean } | null
  purged?: boolean
}

export interface WorkflowSummary {
  id: string
  name: string
  version: number
  description?: string
  yaml?: string
  inputs?: unknown
  updatedAt?: string | number
  createdAt?: string | number
}

export interface Review {
  id?: string
  runId: string
  canDecide?: boolean
  /** Why the caller may not decide it (their own run, or a role too low). */
  reason?: string | null
  /** The gate's role and whether the starter is barred from deciding. */
  role?: string
  notStarter?: boolean
  workflowId?: string
  workflowVersion?: number
  startedBy?: string
  stepId?: string
  workflowName?: string
  message?: string
  output?: unknown
  createdAt?: string | number
  [k: string]: unknown
}

export interface AccessToken {
  id: string
  name: string
  role: Role
  scopes?: string[]
  prefix?: string
  workspaceId?: string | null
  createdAt?: string | number
  lastUsedAt?: string | number | null
  expiresAt?: string | number | null
  revokedAt?: string | number | null
}

export interface Member {
  id: string
  email: string
  name?: string | null
  role: Role
  status?: string
  createdAt?: string | number
  [k: string]: unknown
}

export interface Budget {
  id: string
  name?: string
  scope?: string
  scopeId?: string | null
  /** The target's name (null when the caller may not see it, or for org budgets). */
  scopeName?: string | null
  period?: string
  limitUsd?: number
  spentUsd?: number
  [k: string]: unknown
}

export interface Page<T> {
  data: T[]
  [k: string]: unknown
}
