import { sql } from 'kysely'
import type { Db } from './credentials-repo.js'

/** The master key a row was sealed with was retired by a finished rotation. */
export class KeyRetiredError extends Error {
  override name = 'KeyRetiredError'
}

/**
 * Inside the writing transaction, proves the master key that wrapped a new data key is not
 * retired. It is a no-op UPDATE on purpose: the row lock serialises it with the rotation's
 * final "retire" step (PostgreSQL re-checks the WHERE after waiting; SQLite serialises
 * writers), so no row can be written under a key just after the re-wrap counted zero rows.
 */
export async function guardKey(trx: Db, keyId: string): Promise<void> {
  const r = await trx
    .updateTable('vault_keys')
    .set({ state: sql`state` })
    .where('id', '=', keyId)
    .where('state', '<>', 'retired')
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) !== 1) throw new KeyRetiredError(`master key ${keyId} is retired`)
}
