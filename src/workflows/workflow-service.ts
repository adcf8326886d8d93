/**
 * Workflows as the API and CLI see them: save recipes (checked before anything is stored),
 * start runs as the caller, read runs, cancel, decide reviews. Management events (recipe
 * saved/deleted, review decisions, cancellations) are audited in the same transaction.
 * @module
 */

import type { Kysely } from 'kysely'
import { actorEvent } from '../audit/actor-event.js'
import type { AuditWriter } from '../audit/audit-event.js'
import type { Database } from '../db/schema.js'
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors/app-error.js'
import {
  actingIn,
  authorize,
  authorizeInWorkspace,
  effectiveRole,
  seesWorkspace,
} from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import { newId, sha256Hex } from '../identity/secrets.js'
import { type ContentSealer, sealJson } from '../vault/content-sealer.js'
import { type CheckedRecipe, checkRecipe, modelsOf, secretsOf } from './check-recipe.js'
import type { RunOptions, WorkflowEngine } from './engine.js'
import { inputsSchema, validateAgainst } from './json-schema.js'
import { parseRecipe } from './parse-recipe.js'
import { reviewOf } from './recipe-types.js'
import { cancelRun, decideReview, listReviews, mayDecide, type ReviewItem } from './reviews.js'
import type { RunRow } from './run-store.js'
import { type RunView, runView } from './run-view.js'
import { isStarter, snapshotStarter } from './starter.js'
import {
  findByName,
  getVersion,
  getWorkflow,
  isSameActor,
  listWorkflows,
  type WorkflowRow,
} from './workflow-repo.js'

/** Checks that a model name resolves for a principal; throws AppError naming the problem. */
export type ModelCheck = (principal: Principal, model: string) => Promise<void>

/**
 * Checks that a principal may reference a tool secret sent to an origin (the vault's
 * ToolSecrets.checkReference: an http-secret, that origin sealed with it, the manage right).
 */
export type SecretCheck = (principal: Principal, name: string, origin: string) => Promise<void>

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
    readonly audit: () => AuditWriter,
    private readonly sealer: ContentSealer,
    private readonly checkModel: ModelCheck,
    private readonly checkSecret: SecretCheck,
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
    await this.#checkSecrets(p, checked)
    return checked
  }

  /** Every `{{ secrets.NAME }}` of a tool, for the origin of the tool's URL, as the saver. */
  async #checkSecrets(p: Principal, checked: CheckedRecipe): Promise<void> {
    for (const { tool, secret, origin } of secretsOf(checked.recipe)) {
      try {
        await this.checkSecret(p, secret, origin)
      } catch (e) {
        if (!(e instanceof AppError)) throw e
        throw new AppError(e.status, e.type, `tool ${tool}: ${e.message}`, {
          code: e.code ?? 'invalid_recipe',
          details: { tool, secret },
        })
      }
    }
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
    if (workspaceId) {
      const ws = await this.db
        .selectFrom('workspaces')
        .select('id')
        .where('id', '=', workspaceId)
        .where('org_id', '=', p.orgId)
        .executeTakeFirst()
      // A workspace one is not in reads as one that does not exist.
      if (!ws || !seesWorkspace(p, workspaceId))
        throw badRequest('workspaceId: no such workspace in this org', { param: 'workspaceId' })
    }
    authorize(p, 'workflows:manage', { orgId: p.orgId, workspaceId })
    // Models and secrets are checked as they will resolve: in the workflow's workspace.
    const { recipe } = await this.#validate(actingIn(p, workspaceId), yaml)
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
      await this.audit().record(
        trx,
        actorEvent(p, 'workflow.created', {
          targetType: 'workflow',
          targetId: id,
          workspaceId,
          details: { name: recipe.name, version: 1 },
        }),
      )
    })
    return this.summary(id)
  }

  /**
   * Changing a recipe changes what every later run does with its starter's rights, so only
   * the workflow's creator, admins of its workspace and org owners/admins may do it (runs also
   * check the last editor's rights: see `editorOf`).
   */
  async #authorizeChange(p: Principal, wf: WorkflowRow): Promise<void> {
    this.#authorizeOn(p, 'workflows:manage', wf)
    const role = effectiveRole(p, wf.workspace_id)
    if (role === 'owner' || role === 'admin') return
    if (await isSameActor(this.db, p, wf.created_by)) return
    throw forbidden(
      "only the workflow's creator, admins of its workspace and org admins may change or delete it",
      { code: 'not_workflow_owner' },
    )
  }

  /** Who saved a version (token or user id): a run may use only what they may use too. */
  async editorOf(workflowId: string, version: number): Promise<string> {
    return (await getVersion(this.db, workflowId, version)).created_by
  }

  async newVersion(p: Principal, id: string, yaml: string): Promise<WorkflowSummary> {
    const wf = await getWorkflow(this.db, id)
    await this.#authorizeChange(p, wf)
    const { recipe } = await this.#validate(actingIn(p, wf.workspace_id), yaml)
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
      await this.audit().record(
        trx,
        actorEvent(p, 'workflow.version_created', {
          targetType: 'workflow',
          targetId: id,
          workspaceId: wf.workspace_id,
          details: { name: wf.name, version },
        }),
      )
    })
    return this.summary(id)
  }

  async remove(p: Principal, id: string): Promise<void> {
    const wf = await getWorkflow(this.db, id)
    await this.#authorizeChange(p, wf)
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('workflows').set({ deleted_at: Date.now() }).where('id', '=', id).execute()
      await this.audit().record(
        trx,
        actorEvent(p, 'workflow.deleted', {
          targetType: 'workflow',
          targetId: id,
          workspaceId: wf.workspace_id,
          details: { name: wf.name },
        }),
      )
    })
  }

  async summary(id: string): Promise<WorkflowSummary> {
    const wf = await getWorkflow(this.db, id)
    const v = await getVersion(this.db, id, wf.latest_version)
    return toSummary({ ...wf, yaml_sha256: v.yaml_sha256 })
  }

  /** Workflow-level authorisation: outsiders of its workspace get 404 `workflow not found`. */
  #authorizeOn(
    p: Principal,
    action: 'workflows:read' | 'workflows:manage' | 'workflows:run',
    wf: WorkflowRow,
  ) {
    authorizeInWorkspace(p, action, { orgId: wf.org_id, workspaceId: wf.workspace_id }, 'workflow not found')
  }

  async list(p: Principal, name?: string): Promise<WorkflowSummary[]> {
    authorize(p, 'workflows:read', { orgId: p.orgId })
    const rows = await listWorkflows(this.db, p.orgId, name)
    return rows.filter((w) => seesWorkspace(p, w.workspace_id)).map(toSummary)
  }

  async get(p: Principal, id: string, version?: number) {
    const wf = await getWorkflow(this.db, id)
    this.#authorizeOn(p, 'workflows:read', wf)
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
    this.#authorizeOn(p, 'workflows:run', wf)
    // The run acts in the workflow's workspace: its models and secrets resolve there.
    p = actingIn(p, wf.workspace_id)
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

  async readableRun(p: Principal, id: string): Promise<RunRow> {
    const run = await this.engine.store.getRun(id)
    if (!run) throw notFound('run not found')
    authorizeInWorkspace(
      p,
      'workflows:read',
      { orgId: run.org_id, workspaceId: run.workspace_id },
      'run not found',
    )
    return run
  }

  /**
   * The API view of a run for a caller. Run content (outputs, step outputs, review comments)
   * is shown to its starter, to admins of its workspace and the org, and — while the run waits
   * at a gate — to those the gate entitles to decide (they must see what they approve). Other
   * members of the workspace and auditors get metadata only: the same "shape, not content"
   * line the audit log draws.
   */
  async view(run: RunRow, p: Principal, opts: { stepOutputs?: boolean } = {}): Promise<RunView> {
    const steps = await this.engine.store.getSteps(run.id)
    const checked = await this.recipe(run.workflow_id, run.workflow_version)
    return runView(run, steps, checked, this.sealer, {
      content: this.#seesContent(p, run, checked),
      stepOutputs: opts.stepOutputs ?? true,
    })
  }

  #seesContent(p: Principal, run: RunRow, checked: CheckedRecipe): boolean {
    if (isStarter(p, run)) return true
    const role = effectiveRole(p, run.workspace_id)
    if (role === 'owner' || role === 'admin') return true
    if (run.status !== 'waiting_review' || !run.review_step) return false
    const gate = reviewOf(checked.recipe.steps.find((s) => s.id === run.review_step)!)
    return gate !== null && mayDecide(p, run, gate) === null
  }

  cancel(p: Principal, id: string): Promise<RunView> {
    return cancelRun(this, this.audit(), p, id)
  }

  reviews(p: Principal): Promise<ReviewItem[]> {
    return listReviews(this, p)
  }

  review(p: Principal, id: string, decision: 'approve' | 'reject', comment?: string): Promise<RunView> {
    return decideReview(this, this.audit(), this.sealer, p, id, decision, comment)
  }

  /** A run's output for server-side structure checks only (never returned to a caller). */
  async outputForShape(runId: string): Promise<unknown> {
    const run = (await this.engine.store.getRun(runId))!
    const steps = await this.engine.store.getSteps(run.id)
    const checked = await this.recipe(run.workflow_id, run.workflow_version)
    return (await runView(run, steps, checked, this.sealer, { content: true, stepOutputs: false })).output
  }

  async getRun(p: Principal, id: string, waitMs = 0): Promise<RunView> {
    await this.readableRun(p, id)
    if (waitMs > 0) await this.engine.waitSettled(id, waitMs)
    return this.view((await this.engine.store.getRun(id))!, p)
  }

  async listRuns(p: Principal, workflowId: string, limit = 50): Promise<RunView[]> {
    const wf = await getWorkflow(this.db, workflowId)
    this.#authorizeOn(p, 'workflows:read', wf)
    const rows = await this.db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute()
    // Runs of an org-level recipe live in their starters' workspaces.
    const visible = rows.filter((r) => seesWorkspace(p, r.workspace_id))
    return Promise.all(visible.map((r) => this.view(r, p, { stepOutputs: false })))
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
