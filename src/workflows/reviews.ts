/**
 * Run control outside the executor: cancellation and the review gate (queue, decisions).
 * Decisions are conditional updates (only a run still waiting on that step changes), so two
 * reviewers deciding at once cannot both win; each decision is audited in its transaction,
 * and the reviewer's comment is sealed like other run content (the audit says only whether
 * there was one).
 * @module
 */
import type { AuditWriter } from '../audit/audit-event.js'
import { conflict, forbidden } from '../errors/app-error.js'
import {
  actsInEveryWorkspace,
  authorize,
  effectiveRole,
  memberWorkspaceIds,
  roleAtLeast,
  seesWorkspace,
} from '../identity/authorize.js'
import type { Principal, Role } from '../identity/principal.js'
import { type ContentSealer, sealJson } from '../vault/content-sealer.js'
import { reviewOf } from './recipe-types.js'
import type { RunRow } from './run-store.js'
import type { RunView } from './run-view.js'
import { isStarter } from './starter.js'
import type { WorkflowService } from './workflow-service.js'

export interface ReviewItem {
  runId: string
  workflowId: string
  workflowName: string
  workflowVersion: number
  stepId: string
  role: string
  message: string | null
  notStarter: boolean
  startedBy: string
  createdAt: number
  canDecide: boolean
  /** Why the caller may not decide (role too low, or they started the run), else null. */
  reason: string | null
}

export async function cancelRun(
  svc: WorkflowService,
  audit: AuditWriter,
  p: Principal,
  id: string,
): Promise<RunView> {
  const run = await svc.readableRun(p, id)
  authorize(p, 'workflows:run', { orgId: run.org_id, workspaceId: run.workspace_id })
  // Stopping someone's work is for them and for the admins of its workspace.
  const role = effectiveRole(p, run.workspace_id)
  if (!isStarter(p, run) && role !== 'owner' && role !== 'admin')
    throw forbidden('only the run’s starter and admins of its workspace may cancel it', {
      code: 'not_run_starter',
    })
  if (svc.engine.isTerminal(run.status)) throw conflict(`run is already ${run.status}`)
  await svc.db.transaction().execute(async (trx) => {
    await trx.updateTable('workflow_runs').set({ cancel_requested: 1 }).where('id', '=', id).execute()
    // Not executing anywhere (queued without a lease, or parked at a review): finish now.
    const now = Date.now()
    await trx
      .updateTable('workflow_runs')
      .set({
        status: 'cancelled',
        error: 'cancelled',
        finished_at: now,
        review_step: null,
        purge_at: svc.engine.purgeAt(run.org_id, now),
      })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'waiting_review'),
          eb.and([eb('status', '=', 'queued'), eb('lease_owner', 'is', null)]),
        ]),
      )
      .execute()
    await trx
      .updateTable('workflow_run_steps')
      .set({ status: 'cancelled' })
      .where('run_id', '=', id)
      .where('status', '=', 'waiting_review')
      .execute()
    await audit.record(trx, {
      orgId: run.org_id,
      actor: p.id,
      actorKind: p.kind,
      action: 'workflow.run_cancelled',
      targetType: 'workflow_run',
      targetId: id,
      workspaceId: run.workspace_id,
      details: { workflowId: run.workflow_id },
    })
  })
  svc.engine.abortLocal(id)
  await svc.engine.waitSettled(id, 5000)
  return svc.view((await svc.engine.store.getRun(id))!, p)
}

/** Runs waiting for a decision, with whether the caller may make it. */
export async function listReviews(svc: WorkflowService, p: Principal): Promise<ReviewItem[]> {
  authorize(p, 'workflows:read', { orgId: p.orgId })
  let q = svc.db
    .selectFrom('workflow_runs')
    .innerJoin('workflows', 'workflows.id', 'workflow_runs.workflow_id')
    .selectAll('workflow_runs')
    .select('workflows.name as workflow_name')
    .where('workflow_runs.org_id', '=', p.orgId)
    .where('workflow_runs.status', '=', 'waiting_review')
  if (!actsInEveryWorkspace(p.role) && p.role !== 'auditor') {
    // Only the caller's workspaces, so other workspaces' runs never crowd out the page.
    const ids = memberWorkspaceIds(p)
    q = q.where((eb) =>
      eb.or([
        eb('workflow_runs.workspace_id', 'is', null),
        eb('workflow_runs.workspace_id', 'in', ids.length ? ids : ['-']),
      ]),
    )
  }
  const rows = await q.orderBy('workflow_runs.created_at').limit(500).execute()
  const out = []
  for (const r of rows) {
    // Reviews of a workspace one is not in are not shown, not even as existing.
    if (!seesWorkspace(p, r.workspace_id)) continue
    const { recipe } = await svc.recipe(r.workflow_id, r.workflow_version)
    const step = recipe.steps.find((s) => s.id === r.review_step)
    const gate = step ? reviewOf(step) : null
    if (!step || !gate) continue
    const starter = JSON.parse(r.starter) as { name: string }
    const refusal = mayDecide(p, r, gate)
    out.push({
      runId: r.id,
      workflowId: r.workflow_id,
      workflowName: r.workflow_name,
      workflowVersion: r.workflow_version,
      stepId: step.id,
      role: gate.role,
      message: gate.message ?? null,
      notStarter: gate.not_starter,
      startedBy: starter.name,
      createdAt: Number(r.created_at),
      canDecide: refusal === null,
      reason: refusal,
    })
  }
  return out
}

/** Null when the principal may decide this gate, else the reason. */
export function mayDecide(
  p: Principal,
  run: RunRow,
  gate: { role: Role; not_starter: boolean },
): string | null {
  const role = effectiveRole(p, run.workspace_id)
  if (!roleAtLeast(role, gate.role) || role === 'auditor')
    return `this review needs role ${gate.role} or higher`
  if (gate.not_starter && isStarter(p, run)) return 'the run’s starter may not approve their own run'
  return null
}

export async function decideReview(
  svc: WorkflowService,
  audit: AuditWriter,
  sealer: ContentSealer,
  p: Principal,
  id: string,
  decision: 'approve' | 'reject',
  comment?: string,
): Promise<RunView> {
  const run = await svc.readableRun(p, id)
  authorize(p, 'reviews:decide', { orgId: run.org_id, workspaceId: run.workspace_id })
  if (run.status !== 'waiting_review' || !run.review_step)
    throw conflict(`run is ${run.status}, not waiting for review`)
  const stepId = run.review_step
  const { recipe } = await svc.recipe(run.workflow_id, run.workflow_version)
  const gate = reviewOf(recipe.steps.find((s) => s.id === stepId)!)!
  const refusal = mayDecide(p, run, gate)
  if (refusal) throw forbidden(refusal)
  const now = Date.now()
  const record = JSON.stringify({ decision, by: p.id, byName: p.name, byKind: p.kind, at: now })
  const sealedComment = comment
    ? await sealJson(sealer, run.org_id, `run:${id}:review:${stepId}`, comment)
    : null
  const won = await svc.db.transaction().execute(async (trx) => {
    const approve = decision === 'approve'
    const r = await trx
      .updateTable('workflow_runs')
      .set(
        approve
          ? { status: 'queued', review_step: null }
          : {
              status: 'failed',
              review_step: null,
              error: `step ${stepId}: rejected at review`,
              finished_at: now,
              purge_at: svc.engine.purgeAt(run.org_id, now),
            },
      )
      .where('id', '=', id)
      .where('status', '=', 'waiting_review')
      .where('review_step', '=', stepId)
      .executeTakeFirst()
    if (Number(r.numUpdatedRows) !== 1) return false
    await trx
      .updateTable('workflow_run_steps')
      .set({
        status: approve ? 'succeeded' : 'failed',
        review: record,
        review_comment_sealed: sealedComment,
        finished_at: now,
        ...(approve ? {} : { error: 'rejected at review' }),
      })
      .where('run_id', '=', id)
      .where('step_id', '=', stepId)
      .execute()
    if (!approve) {
      await trx
        .updateTable('workflow_run_steps')
        .set({ status: 'cancelled' })
        .where('run_id', '=', id)
        .where('status', 'in', ['pending', 'running'])
        .execute()
    }
    // The comment is content: the audit entry says only that there was one.
    await audit.record(trx, {
      orgId: run.org_id,
      actor: p.id,
      actorKind: p.kind,
      action: approve ? 'workflow.review_approved' : 'workflow.review_rejected',
      targetType: 'workflow_run',
      targetId: id,
      workspaceId: run.workspace_id,
      details: { workflowId: run.workflow_id, step: stepId, comment: comment ? 'present' : 'none' },
    })
    return true
  })
  if (!won) throw conflict('the review was decided concurrently')
  if (decision === 'approve') svc.engine.kick(id)
  return svc.view((await svc.engine.store.getRun(id))!, p)
}
