/**
 * The deployment id: random, created once per database on first start and shared by every
 * instance on it. Keys that instances share in Redis carry it, so two installations pointed
 * at one Redis database (a shared cache server, parallel test runs) never adopt each other's
 * journals or trip each other's breakers.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

export async function deploymentId(db: Kysely<Database>): Promise<string> {
  await db
    .insertInto('ops_meta')
    .values({ key: 'deployment_id', value: randomBytes(9).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  const row = await db
    .selectFrom('ops_meta')
    .select('value')
    .where('key', '=', 'deployment_id')
    .executeTakeFirstOrThrow()
  return row.value
}
