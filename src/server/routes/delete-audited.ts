/**
 * Deleting one org-owned row with its audit entry in the same transaction, for the config
 * resources whose delete is exactly that (budgets, price overrides). Scoped by org so another
 * org's id deletes nothing and the caller answers 404.
 * @module
 */
import { actorEvent } from '../../audit/actor-event.js'
import type { Principal } from '../../identity/principal.js'
import type { Runtime } from '../runtime.js'

/** Returns false when no row of the caller's org has this id. */
export function deleteAudited(
  rt: Runtime,
  p: Principal,
  table: 'budgets' | 'price_overrides',
  id: string,
  audit: { action: string; targetType: string },
): Promise<boolean> {
  return rt.db.db.transaction().execute(async (trx) => {
    const r = await trx
      .deleteFrom(table)
      .where('id', '=', id)
      .where('org_id', '=', p.orgId)
      .executeTakeFirst()
    if (Number(r.numDeletedRows) === 0) return false
    await rt.audit.record(trx, actorEvent(p, audit.action, { targetType: audit.targetType, targetId: id }))
    return true
  })
}
