/**
 * The run executor. A run's steps execute in the recipe's checked order; after each step its
 * state (status, timings, model, tokens, cost, sealed output) is written before the next one
 * starts, so a restart continues from the last finished step and never repeats it. A step
 * that was in flight when the process died runs again (tool calls keep the same
 * Idempotency-Key, so the receiver can drop the duplicate). Review gates park the run in
 * `waiting_review` without holding any process resources.
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../db/schema.js'
import type { Invoke } from '../gateway/spec/v1/index.js'
import { actingIn, seesWorkspace } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import { type ContentSealer, openJson, sealJson } from '../vault/content-sealer.js'
import type { CheckedRecipe } from './check-recipe.js'
import { type Recipe, reviewOf, type Step, stepKind } from './recipe-types.js'
import { type RunRow, type RunStatus, RunStore, type StepRow, TERMINAL } from './run-store.js'
import { restoreStarter, type StarterSnapshot } from './starter.js'
import { type EditorBound, executeStep, type StepDeps } from './step-runner.js'
import { StepError } from './steps/step-error.js'
import type { ToolFetch } from './steps/tool-step.js'
import { isTruthy, renderString, renderValue, type TemplateScope } from './templates.js'
import { noWorkflowMetrics, type WorkflowMetrics } from './workflow-metrics.js'

export interface RunOptions {
  /** Per-step model overrides (`--set step.model=…`, compare columns). */
  models?: Record<string, string>
  /** compare: review gates and tool steps are skipped (no side effects, no waiting). */
  mode?: 'normal' | 'compare'
}

export interface EngineDeps {
  db: Kysely<Database>
  logger: Logger
  sealer: ContentSealer
  /** Read at call time: the gateway may replace rt.invoke after workflows are set up. */
  invoke: () => Invoke
  toolFetch: ToolFetch
  /** Tool secrets (the vault's ToolSecrets.resolve); throws when refused. */
  toolSecret: StepDeps['toolSecret']
  loadRecipe: (workflowId: string, version: number) => Promise<CheckedRecipe>
  /** The run's recipe version's last editor as they act now; null when they no longer can. */
  loadEditor: (run: RunRow) => Promise<Principal | null>
  /**
   * A principal's current roles (`AuthService.actingAs`); null when it can no longer act.
   * Optional: without it the starter acts with the roles stored when the run started.
   */
  currentRoles?: (p: Principal) => Promise<Principal | null>
  /** Content storage for an org (LATCHKEY_STORE_CONTENT and the org's opt-in): keep outputs, no purge. */
  storeContent: (orgId: string) => boolean
  outputTtlMs: number
  leaseMs: number
  instanceId: string
  metrics?: WorkflowMetrics
  /** Runs executing at once in this process; more stay queued until a slot frees. */
  maxActive?: number
}

export class WorkflowEngine {
  readonly store: RunStore
  #active = new Map<string, AbortController>()
  #events = new EventEmitter()
  #closed = false
  #halted = false

  get #metrics(): WorkflowMetrics {
    return this.deps.metrics ?? noWorkflowMetrics
  }

  constructor(private readonly deps: EngineDeps) {
    this.store = new RunStore(deps.db)
    this.#events.setMaxListeners(0)
  }

  /** Starts executing a run here unless another instance holds it. Never throws. */
  kick(runId: string): void {
    if (this.#closed || this.#active.has(runId)) return
    // Over capacity the run stays queued (no lease): pulled when a slot frees, or by the sweep.
    if (this.#active.size >= (this.deps.maxActive ?? 64)) return
    const ctl = new AbortController()
    this.#active.set(runId, ctl)
    this.#metrics.setActive(this.#active.size)
    void this.#execute(runId, ctl)
      .catch((err) => this.deps.logger.error({ err, runId }, 'workflow run crashed'))
      .finally(() => {
        this.#active.delete(runId)
        this.#metrics.setActive(this.#active.size)
        this.#events.emit(runId)
        void this.pull()
      })
  }

  /** Starts runnable runs that nobody executes (queued over capacity, or orphaned by a dead instance). */
  async pull(): Promise<void> {
    const free = (this.deps.maxActive ?? 64) - this.#active.size
    if (this.#closed || free <= 0) return
    try {
      for (const id of await this.store.orphans(Date.now(), free)) this.kick(id)
    } catch (err) {
      this.deps.logger.warn({ err }, 'workflow pull failed')
    }
  }

  /** Aborts a run executing in this process (cancel_requested is already set by the caller). */
  abortLocal(runId: string): void {
    this.#active.get(runId)?.abort()
  }

  /** Resolves when the run is no longer queued/running, or after `ms`. */
  async waitSettled(runId: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      const r = await this.store.getRun(runId)
      if (!r || (r.status !== 'queued' && r.status !== 'running')) return
      // Local runs signal completion; runs on other instances are polled.
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(500, Math.max(0, deadline - Date.now())))
        function done() {
          clearTimeout(t)
          resolve()
        }
        this.#events.once(runId, done)
      })
    }
  }

  /**
   * Graceful stop: abort in-flight steps without recording them as failed and hand the
   * leases back, so the next process (or another instance) resumes at once.
   */
  async close(): Promise<void> {
    this.#closed = true
    for (const ctl of this.#active.values()) ctl.abort(new Error('shutdown'))
    const deadline = Date.now() + 10_000
    while (this.#active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  }

  /**
   * Test hook simulating a process crash: in-flight work stops and nothing more is written
   * (no lease release, no step status), exactly as if the process had died.
   */
  halt(): void {
    this.#halted = true
    this.#closed = true
    for (const ctl of this.#active.values()) ctl.abort(new Error('halted'))
  }

  async #execute(runId: string, ctl: AbortController): Promise<void> {
    const { store, deps } = { store: this.store, deps: this.deps }
    const owner = deps.instanceId
    if (!(await store.claim(runId, owner, deps.leaseMs))) return
    const timer = setInterval(
      () => {
        store
          .renew(runId, owner, deps.leaseMs)
          .then((s) => {
            if (!s.held || s.cancel) ctl.abort(new Error(s.cancel ? 'cancelled' : 'lease lost'))
          })
          .catch(() => {})
      },
      Math.max(50, Math.floor(deps.leaseMs / 3)),
    )
    timer.unref()
    try {
      await this.#runSteps(runId, ctl)
    } finally {
      clearInterval(timer)
      if (!this.#halted) await store.release(runId, owner).catch(() => {})
    }
  }

  async #runSteps(runId: string, ctl: AbortController): Promise<void> {
    const { store, deps } = { store: this.store, deps: this.deps }
    const run = (await store.getRun(runId))!
    if (run.cancel_requested) return this.#finish(run, 'cancelled', 'cancelled')
    if (run.started_at == null) await store.updateRun(runId, { started_at: Date.now() })
    const { recipe, order } = await deps.loadRecipe(run.workflow_id, run.workflow_version)
    const starter = await this.#starter(run)
    if ('error' in starter) return this.#finish(run, 'failed', `run stopped: ${starter.error}`)
    const options = JSON.parse(run.options) as RunOptions
    const rows = new Map((await store.getSteps(runId)).map((s) => [s.step_id, s]))
    let scope: TemplateScope
    try {
      scope = await this.#restoreScope(run, rows)
    } catch (err) {
      // Content that cannot be opened will not open on a retry either: end the run instead of
      // resuming it forever.
      deps.logger.error({ runId, reason: (err as Error).message }, 'workflow run content cannot be opened')
      return this.#finish(
        run,
        'failed',
        'run content cannot be opened (purged, or sealed under a removed master key)',
      )
    }
    const byId = new Map(recipe.steps.map((s) => [s.id, s]))
    const stepDeps: StepDeps = {
      invoke: deps.invoke(),
      editor: await this.#editorBound(run, starter.principal),
      toolFetch: deps.toolFetch,
      toolSecret: deps.toolSecret,
      principal: starter.principal,
      run,
      tools: recipe.tools,
      signal: ctl.signal,
    }

    for (const id of order) {
      const step = byId.get(id)!
      const row = rows.get(id)
      if (row?.status === 'succeeded' || row?.status === 'skipped') continue
      if (ctl.signal.aborted) return this.#stopped(run, ctl)
      const gate = reviewOf(step)
      const compare = options.mode === 'compare'
      if (row?.status === 'waiting_review') return this.#park(run, id)
      if (stepKind(step) === 'review' || (compare && stepKind(step) === 'tool')) {
        if (compare) {
          await store.upsertStep(runId, id, {
            status: 'skipped',
            error: 'skipped in compare runs',
            finished_at: Date.now(),
          })
          continue
        }
        await store.upsertStep(runId, id, { status: 'waiting_review', started_at: Date.now() })
        return this.#park(run, id)
      }
      if (step.when !== undefined && !whenHolds(step, scope)) {
        await store.upsertStep(runId, id, { status: 'skipped', finished_at: Date.now() })
        continue
      }
      const model = step.model !== undefined ? (options.models?.[id] ?? step.model) : null
      const started = Date.now()
      await store.upsertStep(runId, id, {
        status: 'running',
        model,
        started_at: started,
        attempts: (row?.attempts ?? 0) + 1,
      })
      try {
        // A model the starter chose for this run (override, compare) is theirs alone to vouch for.
        const overridden = options.models?.[id] !== undefined
        const res = await executeStep(
          step,
          model,
          scope,
          overridden ? { ...stepDeps, editor: null } : stepDeps,
        )
        scope.steps[id] = { output: res.output }
        const waiting = gate !== null && !compare
        await store.upsertStep(runId, id, {
          status: waiting ? 'waiting_review' : 'succeeded',
          provider: res.provider,
          resolved_model: res.resolvedModel,
          credential_id: res.credentialId,
          input_tokens: res.inputTokens,
          output_tokens: res.outputTokens,
          cost_usd: res.costUsd,
          latency_ms: Math.round(res.latencyMs),
          output_sealed: await sealJson(deps.sealer, run.org_id, `run:${run.id}:step:${id}`, res.output),
          finished_at: Date.now(),
          error: null,
        })
        await this.#addTotals(runId)
        this.#metrics.stepFinished(stepKind(step), 'succeeded')
        if (waiting) return this.#park(run, id)
      } catch (err) {
        if (this.#halted) return
        if (ctl.signal.aborted) {
          // Shutdown or cancel mid-step: not the step's fault; it reruns on resume.
          await store.upsertStep(runId, id, { status: 'pending' })
          return this.#stopped(run, ctl)
        }
        const msg = err instanceof StepError ? err.message : `internal error: ${(err as Error).message}`
        if (!(err instanceof StepError)) deps.logger.error({ err, runId, step: id }, 'workflow step crashed')
        const u = err instanceof StepError ? err.usage : undefined
        await store.upsertStep(runId, id, {
          status: 'failed',
          error: msg,
          finished_at: Date.now(),
          latency_ms: Date.now() - started,
          input_tokens: u?.inputTokens ?? 0,
          output_tokens: u?.outputTokens ?? 0,
          cost_usd: u?.costUsd ?? null,
        })
        await this.#addTotals(runId)
        this.#metrics.stepFinished(stepKind(step), 'failed')
        return this.#finish(run, 'failed', `step ${id}: ${msg}`)
      }
    }
    const output =
      recipe.output === undefined ? lastOutput(recipe, order, scope) : renderValue(recipe.output, scope)
    await store.updateRun(runId, {
      output_sealed: await sealJson(deps.sealer, run.org_id, `run:${run.id}:output`, output),
    })
    return this.#finish(run, 'succeeded', null)
  }

  /**
   * The starter as they may act *now*: a run parked for days resumes with today's roles, and
   * only while its starter still belongs to the run's workspace.
   */
  async #starter(run: RunRow): Promise<{ principal: Principal } | { error: string }> {
    const restored = await restoreStarter(this.deps.db, JSON.parse(run.starter) as StarterSnapshot)
    if ('error' in restored || !this.deps.currentRoles) return restored
    const was = restored.principal
    const now = await this.deps.currentRoles(was)
    if (!now) return { error: 'the starter can no longer act' }
    if (!seesWorkspace(now, run.workspace_id))
      return { error: "the starter is no longer a member of the run's workspace" }
    // Current roles; scopes, expiry and the workspace it acted in as the run started, unless
    // the starter has left that workspace since (it would still open that workspace's keys).
    const workspaceId = seesWorkspace(now, was.workspaceId) ? was.workspaceId : run.workspace_id
    return {
      principal: { ...was, role: now.role, workspaceRoles: now.workspaceRoles, workspaceId },
    }
  }

  async #editorBound(run: RunRow, starter: Principal): Promise<EditorBound> {
    const editor = await this.deps.loadEditor(run)
    if (!editor)
      return {
        gone: "the recipe version's last editor can no longer act (removed, disabled or their token revoked): save the recipe again",
      }
    if (editor.id === starter.id) return null
    // In the run's workspace, as the starter: the same name can then mean the same key.
    return { principal: actingIn(editor, run.workspace_id) }
  }

  /** Inputs and finished step outputs, unsealed, for templates. */
  async #restoreScope(run: RunRow, rows: Map<string, StepRow>): Promise<TemplateScope> {
    const { sealer } = this.deps
    if (run.purged_at != null) throw new Error('purged')
    const inputs = ((await openJson(sealer, run.org_id, `run:${run.id}:inputs`, run.inputs_sealed)) ??
      {}) as Record<string, unknown>
    const scope: TemplateScope = { inputs, steps: {} }
    for (const s of rows.values()) {
      if (s.status === 'succeeded' || s.status === 'waiting_review') {
        scope.steps[s.step_id] = {
          output: await openJson(sealer, run.org_id, `run:${run.id}:step:${s.step_id}`, s.output_sealed),
        }
      }
    }
    return scope
  }

  async #addTotals(runId: string): Promise<void> {
    const steps = await this.store.getSteps(runId)
    const costs = steps.map((s) => s.cost_usd).filter((c): c is number => c != null)
    await this.store.updateRun(runId, {
      input_tokens: steps.reduce((a, s) => a + Number(s.input_tokens), 0),
      output_tokens: steps.reduce((a, s) => a + Number(s.output_tokens), 0),
      cost_usd: costs.length ? costs.reduce((a, b) => a + b, 0) : null,
    })
  }

  async #park(run: RunRow, stepId: string): Promise<void> {
    await this.store.updateRun(run.id, { status: 'waiting_review', review_step: stepId })
  }

  async #stopped(run: RunRow, ctl: AbortController): Promise<void> {
    const r = await this.store.getRun(run.id)
    if (r?.cancel_requested) return this.#finish(run, 'cancelled', 'cancelled')
    // Shutdown or lost lease: leave it running for whoever picks it up next.
    void ctl
  }

  async #finish(run: RunRow, status: RunStatus, error: string | null): Promise<void> {
    const now = Date.now()
    this.#metrics.runFinished(status)
    await this.store.updateRun(run.id, {
      status,
      error,
      review_step: null,
      finished_at: now,
      purge_at: this.purgeAt(run.org_id, now),
    })
    if (status !== 'succeeded') {
      // Steps that never ran are recorded as cancelled, so the step list is complete.
      await this.deps.db
        .updateTable('workflow_run_steps')
        .set({ status: 'cancelled' })
        .where('run_id', '=', run.id)
        .where('status', 'in', ['pending', 'running', 'waiting_review'])
        .execute()
    }
  }

  /** When a run ending at `now` has its sealed content purged (null when content is kept). */
  purgeAt(orgId: string, now: number): number | null {
    return this.deps.storeContent(orgId) ? null : now + this.deps.outputTtlMs
  }

  isTerminal(status: string): boolean {
    return (TERMINAL as string[]).includes(status)
  }
}

function whenHolds(step: Step, scope: TemplateScope): boolean {
  const w = step.when!
  if (typeof w === 'string') return isTruthy(renderString(w, scope))
  const [a, b] = 'equals' in w ? w.equals : w.not_equals
  const same = JSON.stringify(renderValue(a, scope)) === JSON.stringify(renderValue(b, scope))
  return 'equals' in w ? same : !same
}

/** Without an `output:` block the run's output is the last step that produced one. */
function lastOutput(recipe: Recipe, order: string[], scope: TemplateScope): unknown {
  for (const id of [...order].reverse()) {
    const s = recipe.steps.find((x) => x.id === id)!
    if (stepKind(s) !== 'review' && id in scope.steps) return scope.steps[id]!.output
  }
  return null
}

export type { StepRow }
