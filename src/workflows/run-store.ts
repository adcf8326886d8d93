/**
 * Persistence of runs and steps. Every state change is one small write so a crash loses at
 * most the step in flight. A run is executed by whoever holds its lease (`lease_owner`,
 * `lease_until`): several instances can share a database without running a step twice.
 * @module
 */
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../db/schema.js'
import type { WorkflowRunStepsTable, WorkflowRunsTable } from '../db/tables/workflows.js'

export type RunRow = Selectable<WorkflowRunsTable>
export type StepRow = Selectable<WorkflowRunStepsTable>
export type RunStatus = 'queued' | 'running' | 'waiting_review' | 'succeeded' | 'failed' | 'cancelled'
export const TERMINAL: RunStatus[] = ['succeeded', 'failed', 'cancelled']

export class RunStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getRun(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('workflow_runs').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async getSteps(runId: string): Promise<StepRow[]> {
    return this.db.selectFrom('workflow_run_steps').selectAll().where('run_id', '=', runId).execute()
  }

  /**
   * Takes the run's lease if it is runnable and nobody else holds a live lease. Moves a queued
   * run to running. Returns false when another instance has it or it is not runnable.
   */
  async claim(id: string, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    const r = await this.db
      .updateTable('workflow_runs')
      .set({ lease_owner: owner, lease_until: now + leaseMs, status: 'running' })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .where((eb) =>
        eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]),
      )
      .executeTakeFirst()
    return Number(r.numUpdatedRows) === 1
  }

  /** Extends our lease; returns {held, cancel} so the executor stops when it lost the run. */
  async renew(id: string, owner: string, leaseMs: number): Promise<{ held: boolean; cancel: boolean }> {
    await this.db
      .updateTable('workflow_runs')
      .set({ lease_until: Date.now() + leaseMs })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute()
    const r = await this.db
      .selectFrom('workflow_runs')
      .select(['lease_owner', 'cancel_requested', 'status'])
      .where('id', '=', id)
      .executeTakeFirst()
    return { held: r?.lease_owner === owner && r.status === 'running', cancel: !!r?.cancel_requested }
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('workflow_runs')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute()
  }

  /** Runs that should be executing but have no live lease (their instance stopped or died). */
  async orphans(now = Date.now(), limit = 100): Promise<string[]> {
    const rows = await this.db
      .selectFrom('workflow_runs')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('created_at')
      .limit(limit)
      .execute()
    return rows.map((r) => r.id)
  }

  async upsertStep(
    runId: string,
    stepId: string,
    patch: Partial<Omit<StepRow, 'run_id' | 'step_id'>>,
  ): Promise<void> {
    const r = await this.db
      .updateTable('workflow_run_steps')
      .set(patch)
      .where('run_id', '=', runId)
      .where('step_id', '=', stepId)
      .executeTakeFirst()
    if (Number(r.numUpdatedRows) === 0) {
      await this.db
        .insertInto('workflow_run_steps')
        .values({
          run_id: runId,
          step_id: stepId,
          status: 'pending',
          attempts: 0,
          input_tokens: 0,
          output_tokens: 0,
          ...patch,
        })
        .execute()
    }
  }

  async updateRun(id: string, patch: Partial<Omit<RunRow, 'id'>>): Promise<void> {
    await this.db.updateTable('workflow_runs').set(patch).where('id', '=', id).execute()
  }

  /** Drops sealed content of runs whose retention ended. Returns how many runs were purged. */
  async purgeExpired(now = Date.now(), batch = 500): Promise<number> {
    const due = await this.db
      .selectFrom('workflow_runs')
      .select('id')
      .where('purge_at', '<=', now)
      .where('purged_at', 'is', null)
      .limit(batch)
      .execute()
    if (due.length === 0) return 0
    const ids = due.map((r) => r.id)
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('workflow_run_steps')
        .set({ output_sealed: null, review_comment_sealed: null })
        .where('run_id', 'in', ids)
        .execute()
      await trx
        .updateTable('workflow_runs')
        .set({ inputs_sealed: null, output_sealed: null, purged_at: now })
        .where('id', 'in', ids)
        .execute()
    })
    return ids.length
  }
}
