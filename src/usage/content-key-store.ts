/**
 * Lets a master-key rotation re-wrap the data keys of stored call content (`call_contents`)
 * before the old key is retired; the ciphertext stays as it is.
 * @module
 */
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { rewrapVaultBlob, VAULT_PREFIX } from '../vault/content-sealer.js'
import type { WrappedKeyStore } from '../vault/keyring.js'

const stale = (activeKeyId: string) =>
  sql<boolean>`sealed like ${`${VAULT_PREFIX}%`} and sealed not like ${`${VAULT_PREFIX}${activeKeyId}:%`}`

export function callContentKeyStore(db: Kysely<Database>): WrappedKeyStore {
  return {
    name: 'stored call content',
    async remaining(activeKeyId, trx) {
      const r = await (trx ?? db)
        .selectFrom('call_contents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(stale(activeKeyId))
        .executeTakeFirstOrThrow()
      return Number(r.n)
    },
    async rewrapBatch({ activeKeyId, target, keyFor, limit }) {
      const rows = await db
        .selectFrom('call_contents')
        .select(['id', 'org_id', 'request_id', 'sealed'])
        .where(stale(activeKeyId))
        .limit(limit)
        .execute()
      for (const r of rows) {
        // The same context the content store sealed with (src/usage/content-store.ts).
        const next = await rewrapVaultBlob(r.sealed, r.org_id, `call:${r.request_id}`, keyFor, target)
        await db
          .updateTable('call_contents')
          .set({ sealed: next })
          .where('id', '=', r.id)
          .where('sealed', '=', r.sealed)
          .execute()
      }
      return rows.length
    },
  }
}
