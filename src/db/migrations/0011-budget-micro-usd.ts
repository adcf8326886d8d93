import { type Kysely, sql } from 'kysely'

/**
 * Budget USD limits in whole micro-dollars (`budgets.limit_micro_usd`, bigint) instead of a
 * double: a limit of $0.005 or $0.07 is stored and compared exactly (a double read back as
 * 0.06999… refused a call that fit), and the API can promise what it accepts (issue 20:
 * limits below one cent). Existing limits are rounded to the micro-dollar.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('budgets').addColumn('limit_micro_usd', 'bigint').execute()
  await sql`update budgets set limit_micro_usd = round(limit_usd * 1000000) where limit_usd is not null`.execute(
    db,
  )
  await db.schema.alterTable('budgets').dropColumn('limit_usd').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('budgets').addColumn('limit_usd', 'double precision').execute()
  await sql`update budgets set limit_usd = limit_micro_usd / 1000000.0 where limit_micro_usd is not null`.execute(
    db,
  )
  await db.schema.alterTable('budgets').dropColumn('limit_micro_usd').execute()
}
