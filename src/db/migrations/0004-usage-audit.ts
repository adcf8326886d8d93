import type { Kysely } from 'kysely'

/** Usage records, budgets, price overrides, the audit log and its per-org chain heads. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_records')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('workspace_id', 'varchar(64)')
    .addColumn('principal_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('principal_kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)')
    .addColumn('token_id', 'varchar(64)')
    .addColumn('credential_id', 'varchar(64)')
    .addColumn('provider', 'varchar(64)')
    .addColumn('requested_model', 'varchar(300)', (c) => c.notNull())
    .addColumn('model', 'varchar(300)')
    .addColumn('endpoint', 'varchar(32)', (c) => c.notNull())
    .addColumn('stream', 'integer', (c) => c.notNull())
    .addColumn('route', 'varchar(200)')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('run_id', 'varchar(64)')
    .addColumn('step_id', 'varchar(200)')
    .addColumn('workflow_id', 'varchar(64)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('http_status', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('ttft_ms', 'integer')
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cached_read_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
    .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cost_usd', 'double precision')
    .addColumn('price_known', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('usage_org_ts_idx').on('usage_records').columns(['org_id', 'ts']).execute()

  await db.schema
    .createTable('budgets')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('scope_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('scope_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('limit_usd', 'double precision')
    .addColumn('limit_tokens', 'bigint')
    .addColumn('window', 'varchar(8)', (c) => c.notNull())
    .addColumn('starts_at', 'bigint')
    .addColumn('ends_at', 'bigint')
    .addColumn('alert_url', 'text')
    .addColumn('created_by', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('budgets_org_name_uq', ['org_id', 'name'])
    .execute()

  await db.schema
    .createTable('price_overrides')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('provider', 'varchar(64)', (c) => c.notNull())
    .addColumn('model', 'varchar(300)', (c) => c.notNull())
    .addColumn('input', 'double precision', (c) => c.notNull())
    .addColumn('output', 'double precision', (c) => c.notNull())
    .addColumn('cached_read', 'double precision')
    .addColumn('cache_write', 'double precision')
    .addColumn('reasoning', 'double precision')
    .addColumn('effective_from', 'bigint', (c) => c.notNull())
    .addColumn('effective_to', 'bigint')
    .addColumn('created_by', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('call_contents')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('workspace_id', 'varchar(64)')
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('call_contents_req_idx')
    .on('call_contents')
    .columns(['org_id', 'request_id'])
    .execute()
  await db.schema.createIndex('call_contents_exp_idx').on('call_contents').column('expires_at').execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'varchar(64)', (c) => c.notNull())
    .addColumn('actor_kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(64)')
    .addColumn('target_id', 'varchar(200)')
    .addColumn('credential_id', 'varchar(64)')
    .addColumn('workspace_id', 'varchar(64)')
    .addColumn('provider', 'varchar(64)')
    .addColumn('model', 'varchar(300)')
    .addColumn('status', 'varchar(16)')
    .addColumn('input_shape', 'text')
    .addColumn('output_shape', 'text')
    .addColumn('usage', 'text')
    .addColumn('cost_usd', 'double precision')
    .addColumn('latency_ms', 'integer')
    .addColumn('details', 'text')
    // Not indexed: replays are deduplicated on usage_records.id in the same transaction.
    .addColumn('event_id', 'varchar(64)')
    .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addUniqueConstraint('audit_org_seq_uq', ['org_id', 'seq'])
    .execute()
  await db.schema.createIndex('audit_org_ts_idx').on('audit_log').columns(['org_id', 'ts']).execute()

  await db.schema
    .createTable('audit_heads')
    .addColumn('org_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'audit_heads',
    'audit_log',
    'call_contents',
    'price_overrides',
    'budgets',
    'usage_records',
  ]) {
    await db.schema.dropTable(t).execute()
  }
}
