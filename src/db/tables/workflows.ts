/**
 * Workflows: recipes (versioned), runs and per-step state. Content (inputs, step outputs,
 * run output, review comments) is only ever stored sealed (`*_sealed`, vault envelope) and is
 * purged `LATCHKEY_RUN_OUTPUT_TTL` after the run ends unless content storage is on.
 */
export interface WorkflowsTable {
  id: string
  org_id: string
  workspace_id: string | null
  name: string
  latest_version: number
  created_by: string
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface WorkflowVersionsTable {
  workflow_id: string
  version: number
  /** The recipe as written (templates and schemas, not run data). */
  yaml: string
  yaml_sha256: string
  created_by: string
  created_at: number
}

export interface WorkflowRunsTable {
  id: string
  org_id: string
  workspace_id: string | null
  workflow_id: string
  workflow_version: number
  /** queued | running | waiting_review | succeeded | failed | cancelled */
  status: string
  /** JSON: who started the run (ids only), to act as them on resume. */
  starter: string
  /** JSON: {models: {stepId: model}, mode: 'normal'|'compare'}. */
  options: string
  compare_id: string | null
  inputs_sealed: string | null
  output_sealed: string | null
  /** Failure reason: step id and error text without content. */
  error: string | null
  input_tokens: number
  output_tokens: number
  cost_usd: number | null
  /** Step awaiting review, when status = waiting_review. */
  review_step: string | null
  cancel_requested: number
  lease_owner: string | null
  lease_until: number | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  /** When sealed content is purged (finished_at + TTL); null while running or when content is kept. */
  purge_at: number | null
  purged_at: number | null
}

export interface WorkflowRunStepsTable {
  run_id: string
  step_id: string
  /** pending | running | succeeded | failed | skipped | waiting_review | cancelled */
  status: string
  /** Model as requested (credential/model or alias) and as resolved (provider, upstream model). */
  model: string | null
  provider: string | null
  resolved_model: string | null
  credential_id: string | null
  attempts: number
  input_tokens: number
  output_tokens: number
  cost_usd: number | null
  latency_ms: number | null
  output_sealed: string | null
  error: string | null
  /** JSON {decision, by, byKind, at} for reviewed steps; the comment is sealed separately. */
  review: string | null
  review_comment_sealed: string | null
  started_at: number | null
  finished_at: number | null
}

export interface WorkflowTables {
  workflows: WorkflowsTable
  workflow_versions: WorkflowVersionsTable
  workflow_runs: WorkflowRunsTable
  workflow_run_steps: WorkflowRunStepsTable
}
