/**
 * Usage records (one per gateway call/attempt outcome), budgets and org price overrides.
 * Times are epoch ms; JSON is text; costs are USD doubles (null = price unknown).
 * @module
 */

export interface UsageRecordsTable {
  /** Writer-assigned event id; the primary key makes journal replay idempotent. */
  id: string
  request_id: string
  ts: number
  org_id: string
  workspace_id: string | null
  principal_id: string
  principal_kind: string
  user_id: string | null
  token_id: string | null
  credential_id: string | null
  provider: string | null
  requested_model: string
  model: string | null
  endpoint: string
  stream: number
  route: string | null
  attempt: number
  attempts: number
  run_id: string | null
  step_id: string | null
  workflow_id: string | null
  status: string
  http_status: number
  error_code: string | null
  latency_ms: number
  ttft_ms: number | null
  input_tokens: number
  output_tokens: number
  cached_read_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  cost_usd: number | null
  /** 1 when a price was known for the model at call time; 0 flags an unpriced call. */
  price_known: number
}

export interface BudgetsTable {
  id: string
  org_id: string
  name: string
  /** org | workspace | user | token | credential */
  scope_type: string
  scope_id: string
  /** USD limit in whole micro-dollars (0.005 USD = 5000), exact. */
  limit_micro_usd: number | null
  limit_tokens: number | null
  /** day | month | fixed (UTC calendar windows; fixed uses starts_at/ends_at). */
  window: string
  starts_at: number | null
  ends_at: number | null
  /** Webhook URL for 50/80/100 % alerts (optional). */
  alert_url: string | null
  created_by: string | null
  created_at: number
  updated_at: number
}

export interface PriceOverridesTable {
  id: string
  org_id: string
  provider: string
  model: string
  /** USD per million tokens. */
  input: number
  output: number
  cached_read: number | null
  cache_write: number | null
  reasoning: number | null
  effective_from: number
  effective_to: number | null
  created_by: string | null
  created_at: number
}

/** Call content kept only when content storage is on; sealed, purged after retention. */
export interface CallContentsTable {
  id: string
  org_id: string
  workspace_id: string | null
  request_id: string
  ts: number
  /** Vault-sealed JSON {request, response}. */
  sealed: string
  expires_at: number
}

export interface UsageTables {
  call_contents: CallContentsTable
  usage_records: UsageRecordsTable
  budgets: BudgetsTable
  price_overrides: PriceOverridesTable
}
