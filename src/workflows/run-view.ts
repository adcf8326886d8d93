/**
 * The API view of a run (DESIGN.md `GET /runs/:id`): status, per-step model/usage/cost/latency
 * and the output while it is retained. Sealed content is opened only here, per request.
 * @module
 */

import { type ContentSealer, openJson as openSealed } from '../vault/content-sealer.js'
import type { CheckedRecipe } from './check-recipe.js'
import { reviewOf } from './recipe-types.js'
import type { RunRow, StepRow } from './run-store.js'

export interface StepView {
  id: string
  kind: 'model' | 'tool' | 'review'
  model: string | null
  provider: string | null
  resolvedModel: string | null
  status: string
  attempts: number
  usage: { inputTokens: number; outputTokens: number } | null
  costUsd: number | null
  latencyMs: number | null
  error: string | null
  startedAt: number | null
  finishedAt: number | null
  review: Record<string, unknown> | null
  output?: unknown
}

export interface RunView {
  id: string
  workflowId: string
  workflowVersion: number
  status: string
  steps: StepView[]
  output: unknown
  error: string | null
  usage: { inputTokens: number; outputTokens: number }
  costUsd: number | null
  waitingReview: { stepId: string; role: string; message: string | null; notStarter: boolean } | null
  startedBy: string
  compareId: string | null
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  /** When sealed content (inputs, outputs) is or was purged; null when content storage is on. */
  purgeAt: number | null
  purged: boolean
  /** False when the caller may see metadata only (auditors; see docs/workflows.md). */
  contentVisible: boolean
}

/** A blob that no longer opens (master key removed) reads as purged rather than failing the view. */
async function openJson(
  s: ContentSealer,
  orgId: string,
  context: string,
  blob: string | null,
): Promise<unknown> {
  try {
    return await openSealed(s, orgId, context, blob)
  } catch {
    return undefined
  }
}

export async function runView(
  run: RunRow,
  steps: StepRow[],
  checked: CheckedRecipe,
  sealer: ContentSealer,
  /** content: the run output and review comments; stepOutputs: each step's output too. */
  opts: { content: boolean; stepOutputs: boolean },
): Promise<RunView> {
  const rows = new Map(steps.map((s) => [s.step_id, s]))
  const stepViews: StepView[] = []
  for (const id of checked.order) {
    const def = checked.recipe.steps.find((s) => s.id === id)!
    const r = rows.get(id)
    const kind = def.model !== undefined ? 'model' : def.tool !== undefined ? 'tool' : 'review'
    const v: StepView = {
      id,
      kind,
      model: r?.model ?? def.model ?? null,
      provider: r?.provider ?? null,
      resolvedModel: r?.resolved_model ?? null,
      status: r?.status ?? (run.status === 'cancelled' || run.status === 'failed' ? 'cancelled' : 'pending'),
      attempts: r?.attempts ?? 0,
      usage:
        r && kind === 'model' && r.status !== 'pending'
          ? { inputTokens: Number(r.input_tokens), outputTokens: Number(r.output_tokens) }
          : null,
      costUsd: r?.cost_usd ?? null,
      latencyMs: r?.latency_ms == null ? null : Number(r.latency_ms),
      error: r?.error ?? null,
      startedAt: r?.started_at == null ? null : Number(r.started_at),
      finishedAt: r?.finished_at == null ? null : Number(r.finished_at),
      review: r?.review ? (JSON.parse(r.review) as Record<string, unknown>) : null,
    }
    if (opts.content && opts.stepOutputs && r?.output_sealed) {
      v.output = await openJson(sealer, run.org_id, `run:${run.id}:step:${id}`, r.output_sealed)
    }
    if (opts.content && v.review && r?.review_comment_sealed) {
      v.review.comment = await openJson(
        sealer,
        run.org_id,
        `run:${run.id}:review:${id}`,
        r.review_comment_sealed,
      )
    }
    stepViews.push(v)
  }
  const gateStep = run.review_step ? checked.recipe.steps.find((s) => s.id === run.review_step) : undefined
  const gate = gateStep ? reviewOf(gateStep) : null
  const starter = JSON.parse(run.starter) as { id: string; name: string }
  return {
    id: run.id,
    workflowId: run.workflow_id,
    workflowVersion: run.workflow_version,
    status: run.status,
    steps: stepViews,
    output:
      opts.content && run.output_sealed
        ? ((await openJson(sealer, run.org_id, `run:${run.id}:output`, run.output_sealed)) ?? null)
        : null,
    error: run.error,
    usage: { inputTokens: Number(run.input_tokens), outputTokens: Number(run.output_tokens) },
    costUsd: run.cost_usd,
    waitingReview:
      run.status === 'waiting_review' && gateStep && gate
        ? {
            stepId: gateStep.id,
            role: gate.role,
            message: gate.message ?? null,
            notStarter: gate.not_starter,
          }
        : null,
    startedBy: starter.name,
    compareId: run.compare_id,
    createdAt: Number(run.created_at),
    startedAt: run.started_at == null ? null : Number(run.started_at),
    finishedAt: run.finished_at == null ? null : Number(run.finished_at),
    purgeAt: run.purge_at == null ? null : Number(run.purge_at),
    purged: run.purged_at != null,
    contentVisible: opts.content,
  }
}
