import { type Kysely, sql } from 'kysely'
import type { Database } from '../../db/schema.js'
import type { BudgetDef, BudgetWindowSpan } from './budget-model.js'

/** Spend already recorded for a budget's scope in a window (starting point of its counter). */
export async function spendInWindow(
  db: Kysely<Database>,
  b: BudgetDef,
  w: BudgetWindowSpan,
): Promise<{ usd: number; tokens: number }> {
  let q = db
    .selectFrom('usage_records')
    .select([
      sql<number>`coalesce(sum(cost_usd), 0)`.as('usd'),
      sql<number>`coalesce(sum(input_tokens + output_tokens), 0)`.as('tokens'),
    ])
    .where('org_id', '=', b.orgId)
    .where('ts', '>=', w.start)
    .where('ts', '<', w.end)
  if (b.scopeType === 'workspace') q = q.where('workspace_id', '=', b.scopeId)
  else if (b.scopeType === 'user') q = q.where('user_id', '=', b.scopeId)
  else if (b.scopeType === 'token') q = q.where('token_id', '=', b.scopeId)
  else if (b.scopeType === 'credential') q = q.where('credential_id', '=', b.scopeId)
  const row = await q.executeTakeFirst()
  return { usd: Number(row?.usd ?? 0), tokens: Number(row?.tokens ?? 0) }
}
