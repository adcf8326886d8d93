/**
 * Lets a master-key rotation re-wrap the data keys inside sealed workflow content (run
 * inputs/outputs, step outputs, review comments) before the old master key is retired, so
 * rotation never leaves a run unreadable. Only the wrapped data key changes; the ciphertext
 * and its associated data (org, run, slot) stay as they are.
 * @module
 */
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { rewrapVaultBlob, VAULT_PREFIX } from '../vault/content-sealer.js'
import type { WrappedKeyStore } from '../vault/keyring.js'

type Slot = {
  table: 'workflow_runs' | 'workflow_run_steps'
  column: 'inputs_sealed' | 'output_sealed' | 'review_comment_sealed'
  /** The sealing context the engine used for this column. */
  context: (row: { run_id: string; step_id: string }) => string
}

const SLOTS: Slot[] = [
  { table: 'workflow_runs', column: 'inputs_sealed', context: (r) => `run:${r.run_id}:inputs` },
  { table: 'workflow_runs', column: 'output_sealed', context: (r) => `run:${r.run_id}:output` },
  {
    table: 'workflow_run_steps',
    column: 'output_sealed',
    context: (r) => `run:${r.run_id}:step:${r.step_id}`,
  },
  {
    table: 'workflow_run_steps',
    column: 'review_comment_sealed',
    context: (r) => `run:${r.run_id}:review:${r.step_id}`,
  },
]

/** A vault-sealed blob whose data key is wrapped by a master key other than the active one. */
function staleBlob(col: RawBuilder<unknown>, activeKeyId: string) {
  return sql<boolean>`${col} like ${`${VAULT_PREFIX}%`} and ${col} not like ${`${VAULT_PREFIX}${activeKeyId}:%`}`
}

interface StaleRow {
  run_id: string
  step_id: string
  org_id: string
  blob: string
}

export function workflowContentKeyStore(db: Kysely<Database>): WrappedKeyStore {
  /** Rows of one slot whose blob is wrapped by a key other than the active one. */
  const stale = async (slot: Slot, activeKeyId: string, limit: number): Promise<StaleRow[]> => {
    const col = sql.ref(`${slot.table}.${slot.column}`)
    const isStale = staleBlob(col, activeKeyId)
    if (slot.table === 'workflow_runs') {
      return db
        .selectFrom('workflow_runs')
        .select(['id as run_id', 'id as step_id', 'org_id', sql<string>`${col}`.as('blob')])
        .where(isStale)
        .limit(limit)
        .execute()
    }
    return db
      .selectFrom('workflow_run_steps')
      .innerJoin('workflow_runs', 'workflow_runs.id', 'workflow_run_steps.run_id')
      .select([
        'workflow_run_steps.run_id',
        'workflow_run_steps.step_id',
        'workflow_runs.org_id',
        sql<string>`${col}`.as('blob'),
      ])
      .where(isStale)
      .limit(limit)
      .execute()
  }

  /** Replaces one blob, only if it is still the one read (a concurrent purge or rewrite wins). */
  const replace = async (slot: Slot, r: StaleRow, next: string): Promise<void> => {
    const col = sql.ref(slot.column)
    if (slot.table === 'workflow_runs') {
      await db
        .updateTable('workflow_runs')
        .set({ [slot.column]: next })
        .where('id', '=', r.run_id)
        .where(sql<boolean>`${col} = ${r.blob}`)
        .execute()
      return
    }
    await db
      .updateTable('workflow_run_steps')
      .set({ [slot.column]: next })
      .where('run_id', '=', r.run_id)
      .where('step_id', '=', r.step_id)
      .where(sql<boolean>`${col} = ${r.blob}`)
      .execute()
  }

  return {
    name: 'workflow run content',
    async remaining(activeKeyId, trx) {
      const q = trx ?? db
      let n = 0
      for (const slot of SLOTS) {
        const col = sql.ref(`${slot.table}.${slot.column}`)
        const r = await q
          .selectFrom(slot.table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(staleBlob(col, activeKeyId))
          .executeTakeFirstOrThrow()
        n += Number(r.n)
      }
      return n
    },
    async rewrapBatch({ activeKeyId, target, keyFor, limit }) {
      let changed = 0
      for (const slot of SLOTS) {
        if (changed >= limit) break
        for (const r of await stale(slot, activeKeyId, limit - changed)) {
          await replace(slot, r, await rewrapVaultBlob(r.blob, r.org_id, slot.context(r), keyFor, target))
          changed++
        }
      }
      return changed
    },
  }
}
