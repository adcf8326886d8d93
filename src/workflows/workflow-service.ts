/**
 * Workflows as the API and CLI see them: save recipes (checked before anything is stored),
 * start runs as the caller, read runs, cancel, decide reviews. Management events (recipe
 * saved/deleted, review decisions, cancellations) are audited in the same transaction.
 * @module
 */
import type { Kysely } from 'kysely'
import type { AuditWriter } from '../audit/audit-event.js'
import type { Database } from '../db/schema.js'
import { badRequest, conflict, forbidden, notFound } from '../errors/app-error.js'
import { authorize, effectiveRole, roleAtLeast } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import { newId, sha256Hex } from '../identity/secrets.js'
import { type CheckedRecipe, checkRecipe, modelsOf } from './check-recipe.js'
import type { RunOptions, WorkflowEngine } from './engine.js'
import { inputsSchema, validateAgainst } from './json-schema.js'
import { parseRecipe } from './parse-recipe.js'
import { reviewOf } from './recipe-types.js'
import type { RunRow } from './run-store.js'
import { type RunView, runView } from './run-view.js'
import { type ContentSealer, sealJson } from './sealer.js'
import { snapshotStarter } from './starter.js'
import { findByName, getVersion, getWorkflow, listWorkflows } from './workflow-repo.js'

/** Checks that a model name resolves for a principal; throws AppError naming the problem. */
export type ModelCheck = (principal: Principal, model: string) => Promise<void>

export interface WorkflowSummary {
  id: string
  name: string
  version: number
  yamlSha256: string
  workspaceId: string | null
  createdAt: number
  updatedAt: number
}

export class WorkflowService {
  #recipes = new Map<string, CheckedRecipe>()

  constructor(
    readonly db: Kysely<Database>,
    readonly engine: WorkflowEngine,
    private readonly audit: () => AuditWriter,
    private readonly sealer: ContentSealer,
    private readonly checkModel: ModelCheck,
  ) {}

  /** Parsed + checked recipe of a version (immutable, so cached). */
  async recipe(workflowId: string, version: number): Promise<CheckedRecipe> {
    const key = `${workflowId}@${version}`
    let c = this.#recipes.get(key)
    if (!c) {
      const v = await getVersion(this.db, workflowId, version)
      c = checkRecipe(parseRecipe(v.yaml))
      if (this.#recipes.size > 1000) this.#recipes.clear()
      this.#recipes.set(key, c)
    }
    return c
  }

  async #validate(
    p: Principal,
    yaml: string,
    overrides: Record<string, string> = {},
  ): Promise<CheckedRecipe> {
    const checked = checkRecipe(parseRecipe(yaml))
    await this.#checkModels(p, checked, overrides)
    return checked
  }

  async #checkModels(p: Principal, checked: CheckedRecipe, overrides: Record<string, string>): Promise<void> {
    for (const { step, model } of modelsOf(checked.recipe, overrides)) {
      try {
        await this.checkModel(p, model)
      } catch (e) {
        const msg = (e as Error).message
        throw badRequest(`step ${step}: model ${model}: ${msg}`, {
          code: 'invalid_recipe',
          details: { step },
        })
      }
    }
  }

  async create(p: Principal, yaml: string, workspaceId: string | null): Promise<WorkflowSummary> {
    authorize(p, 'workflows:manage', { orgId: p.orgId, workspaceId })
    const { recipe } = await this.#validate(p, yaml)
    if (await findByName(this.db, p.orgId, recipe.name)) {
      throw conflict(
        `a workflow named ${recipe.name} exists; save a new version with PUT /api/v1/workflows/:id`,
      )
    }
    const now = Date.now()
    const id = newId('wf')
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('workflows')
        .values({
          id,
          org_id: p.orgId,
          workspace_id: workspaceId,
          name: recipe.name,
          latest_version: 1,
          created_by: p.id,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .execute()
      await trx
        .insertInto('workflow_versions')
        .values({
          workflow_id: id,
          version: 1,
          yaml,
          yaml_sha256: sha256Hex(yaml),
          created_by: p.id,
          created_at: now,
        })
        .execute()
      await this.audit().record(trx, {
        orgId: p.orgId,
        actor: p.id,
        actorKind: p.kind,
        action: 'workflow.created',
        targetType: 'workflow',
        targetId: id,
        workspaceId,
        details: { name: recipe.name, version: 1 },
      })
    })
    return this.summary(id)
  }

  async newVersion(p: Principal, id: string, yaml: string): Promise<WorkflowSummary> {
    const wf = await getWorkflow(this.db, id)
    authorize(p, 'workflows:manage', { orgId: wf.org_id, workspaceId: wf.workspace_id })
    const { recipe } = await this.#validate(p, yaml)
    if (recipe.name !== wf.name)
      throw badRequest(`recipe name ${recipe.name} does not match workflow ${wf.name}`, { param: 'yaml' })
    const now = Date.now()
    await this.db.transaction().execute(async (trx) => {
      const cur = await getWorkflow(trx, id)
      const version = cur.latest_version + 1
      await trx
        .insertInto('workflow_versions')
        .values({
          workflow_id: id,
          version,
          yaml,
          yaml_sha256: sha256Hex(yaml),
          created_by: p.id,
          created_at: now,
        })
        .execute()
      await trx
        .updateTable('workflows')
        .set({ latest_version: version, updated_at: now })
        .where('id', '=', id)
        .execute()
      await this.audit().record(trx, {
        orgId: p.orgId,
        actor: p.id,
        actorKind: p.kind,
        action: 'workflow.version_created',
        targetType: 'workflow',
        targetId: id,
        workspaceId: wf.workspace_id,
        details: { name: wf.name, version },
      })
    })
    return this.summary(id)
  }

  async remove(p: Principal, id: string): Promise<void> {
    const wf = await getWorkflow(this.db, id)
    authorize(p, 'workflows:manage', { orgId: wf.org_id, workspaceId: wf.workspace_id })
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('workflows').set({ deleted_at: Date.now() }).where('id', '=', id).execute()
      await this.audit().record(trx, {
        orgId: p.orgId,
        actor: p.id,
        actorKind: p.kind,
        action: 'workflow.deleted',
        targetType: 'workflow',
        targetId: id,
        workspaceId: wf.workspace_id,
        details: { name: wf.name },
      })
    })
  }

  async summary(id: string): Promise<WorkflowSummary> {
    const wf = await getWorkflow(this.db, id)
    const v = await getVersion(this.db, id, wf.latest_version)
    return toSummary({ ...wf, yaml_sha256: v.yaml_sha256 })
  }

  async list(p: Principal, name?: string): Promise<WorkflowSummary[]> {
    authorize(p, 'workflows:read', { orgId: p.orgId })
    return (await listWorkflows(this.db, p.orgId, name)).map(toSummary)
  }

  async get(p: Principal, id: string, version?: number) {
    const wf = await getWorkflow(this.db, id)
    authorize(p, 'workflows:read', { orgId: wf.org_id, workspaceId: wf.workspace_id })
    const v = await getVersion(this.db, id, version ?? wf.latest_version)
    const { recipe, order } = await this.recipe(id, v.version)
    return {
      ...toSummary({ ...wf, yaml_sha256: v.yaml_sha256 }),
      version: v.version,
      latestVersion: wf.latest_version,
      yaml: v.yaml,
      order,
      inputs: inputsSchema(recipe.inputs),
    }
  }

  async startRun(
    p: Principal,
    workflowId: string,
    body: { inputs: Record<string, unknown>; models?: Record<string, string>; version?: number },
    extra: { mode?: RunOptions['mode']; compareId?: string } = {},
  ): Promise<RunRow> {
    const wf = await getWorkflow(this.db, workflowId)
    authorize(p, 'workflows:run', { orgId: wf.org_id, workspaceId: wf.workspace_id })
    const version = body.version ?? wf.latest_version
    const checked = await this.recipe(workflowId, version)
    const inputErr = validateAgainst(inputsSchema(checked.recipe.inputs), body.inputs)
    if (inputErr) throw badRequest(`inputs: ${inputErr}`, { param: 'inputs', code: 'invalid_inputs' })
    const models = body.models ?? {}
    for (const stepId of Object.keys(models)) {
      const s = checked.recipe.steps.find((x) => x.id === stepId)
      if (!s) throw badRequest(`models: unknown step ${stepId}`, { param: 'models' })
      if (s.model === undefined)
        throw badRequest(`models: step ${stepId} is not a model step`, { param: 'models' })
    }
    // Resolve as the starter now, so a run never starts with a model it cannot use.
    await this.#checkModels(p, checked, models)
    const id = newId('run')
    const now = Date.now()
    const options: RunOptions = { models, mode: extra.mode ?? 'normal' }
    await this.db
      .insertInto('workflow_runs')
      .values({
        id,
        org_id: wf.org_id,
        workspace_id: wf.workspace_id ?? p.workspaceId,
        workflow_id: workflowId,
        workflow_version: version,
        status: 'queued',
        starter: JSON.stringify(snapshotStarter(p)),
        options: JSON.stringify(options),
        compare_id: extra.compareId ?? null,
        inputs_sealed: await sealJson(this.sealer, wf.org_id, `run:${id}:inputs`, body.inputs),
        output_sealed: null,
        error: null,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: null,
        review_step: null,
        cancel_requested: 0,
        lease_owner: null,
        lease_until: null,
        created_at: now,
        started_at: null,
        finished_at: null,
        purge_at: null,
        purged_at: null,
      })
      .execute()
    this.engine.kick(id)
    return (await this.engine.store.getRun(id))!
  }

  async #readableRun(p: Principal, id: string): Promise<RunRow> {
    const run = await this.engine.store.getRun(id)
    if (!run) throw notFound('run not found')
    authorize(p, 'workflows:read', { orgId: run.org_id, workspaceId: run.workspace_id })
    return run
  }

  async view(run: RunRow): Promise<RunView> {
    const steps = await this.engine.store.getSteps(run.id)
    return runView(run, steps, await this.recipe(run.workflow_id, run.workflow_version), this.sealer, {
      outputs: true,
    })
  }

  async getRun(p: Principal, id: string, waitMs = 0): Promise<RunView> {
    await this.#readableRun(p, id)
    if (waitMs > 0) await this.engine.waitSettled(id, waitMs)
    return this.view((await this.engine.store.getRun(id))!)
  }

  async listRuns(p: Principal, workflowId: string, limit = 50): Promise<RunView[]> {
    const wf = await getWorkflow(this.db, workflowId)
    authorize(p, 'workflows:read', { orgId: wf.org_id, workspaceId: wf.workspace_id })
    const rows = await this.db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute()
    return Promise.all(rows.map((r) => this.view(r)))
  }

  async cancel(p: Principal, id: string): Promise<RunView> {
    const run = await this.#readableRun(p, id)
    authorize(p, 'workflows:run', { orgId: run.org_id, workspaceId: run.workspace_id })
    if (this.engine.isTerminal(run.status)) throw conflict(`run is already ${run.status}`)
    await this.db.transaction().execute(async (trx) => {
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
          purge_at: this.engine.purgeAt(now),
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
      await this.audit().record(trx, {
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
    this.engine.abortLocal(id)
    await this.engine.waitSettled(id, 5000)
    return this.view((await this.engine.store.getRun(id))!)
  }

  /** Runs waiting for a decision that the caller may make. */
  async reviews(p: Principal) {
    authorize(p, 'workflows:read', { orgId: p.orgId })
    const rows = await this.db
      .selectFrom('workflow_runs')
      .innerJoin('workflows', 'workflows.id', 'workflow_runs.workflow_id')
      .selectAll('workflow_runs')
      .select('workflows.name as workflow_name')
      .where('workflow_runs.org_id', '=', p.orgId)
      .where('workflow_runs.status', '=', 'waiting_review')
      .orderBy('workflow_runs.created_at')
      .limit(500)
      .execute()
    const out = []
    for (const r of rows) {
      const { recipe } = await this.recipe(r.workflow_id, r.workflow_version)
      const step = recipe.steps.find((s) => s.id === r.review_step)
      const gate = step ? reviewOf(step) : null
      if (!step || !gate) continue
      const starter = JSON.parse(r.starter) as { id: string; userId: string | null; name: string }
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
        canDecide: this.#mayDecide(p, r, gate) === null,
      })
    }
    return out
  }

  #mayDecide(p: Principal, run: RunRow, gate: { role: string; not_starter: boolean }): string | null {
    const role = effectiveRole(p, run.workspace_id)
    if (!roleAtLeast(role, gate.role as never) || role === 'auditor')
      return `this review needs role ${gate.role} or higher`
    if (gate.not_starter) {
      const s = JSON.parse(run.starter) as { id: string; userId: string | null }
      if (s.id === p.id || (s.userId !== null && s.userId === p.userId))
        return 'the run’s starter may not approve their own run'
    }
    return null
  }

  async review(p: Principal, id: string, decision: 'approve' | 'reject', comment?: string): Promise<RunView> {
    const run = await this.#readableRun(p, id)
    authorize(p, 'reviews:decide', { orgId: run.org_id, workspaceId: run.workspace_id })
    if (run.status !== 'waiting_review' || !run.review_step)
      throw conflict(`run is ${run.status}, not waiting for review`)
    const stepId = run.review_step
    const { recipe } = await this.recipe(run.workflow_id, run.workflow_version)
    const gate = reviewOf(recipe.steps.find((s) => s.id === stepId)!)!
    const refusal = this.#mayDecide(p, run, gate)
    if (refusal) throw forbidden(refusal)
    const now = Date.now()
    const record = JSON.stringify({ decision, by: p.id, byName: p.name, byKind: p.kind, at: now })
    const sealedComment = comment
      ? await sealJson(this.sealer, run.org_id, `run:${id}:review:${stepId}`, comment)
      : null
    const won = await this.db.transaction().execute(async (trx) => {
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
                purge_at: this.engine.purgeAt(now),
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
      await this.audit().record(trx, {
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
    if (decision === 'approve') this.engine.kick(id)
    return this.view((await this.engine.store.getRun(id))!)
  }
}

function toSummary(w: {
  id: string
  name: string
  latest_version: number
  yaml_sha256: string
  workspace_id: string | null
  created_at: number
  updated_at: number
}): WorkflowSummary {
  return {
    id: w.id,
    name: w.name,
    version: w.latest_version,
    yamlSha256: w.yaml_sha256,
    workspaceId: w.workspace_id,
    createdAt: Number(w.created_at),
    updatedAt: Number(w.updated_at),
  }
}
