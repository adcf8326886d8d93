import type { Kysely } from 'kysely'

/** Workflows (recipes + versions), runs and per-step run state. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workflows')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('workspace_id', 'varchar(64)', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute()
  await db.schema.createIndex('workflows_org_name_idx').on('workflows').columns(['org_id', 'name']).execute()

  await db.schema
    .createTable('workflow_versions')
    .addColumn('workflow_id', 'varchar(64)', (c) =>
      c.notNull().references('workflows.id').onDelete('cascade'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('yaml', 'text', (c) => c.notNull())
    .addColumn('yaml_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_versions_pk', ['workflow_id', 'version'])
    .execute()

  await db.schema
    .createTable('workflow_runs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('workspace_id', 'varchar(64)', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('workflow_id', 'varchar(64)', (c) =>
      c.notNull().references('workflows.id').onDelete('cascade'),
    )
    .addColumn('workflow_version', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('starter', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('compare_id', 'varchar(64)')
    .addColumn('inputs_sealed', 'text')
    .addColumn('output_sealed', 'text')
    .addColumn('error', 'text')
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision')
    .addColumn('review_step', 'varchar(64)')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('purge_at', 'bigint')
    .addColumn('purged_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('workflow_runs_wf_idx')
    .on('workflow_runs')
    .columns(['workflow_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('workflow_runs_status_idx')
    .on('workflow_runs')
    .columns(['status', 'lease_until'])
    .execute()
  await db.schema.createIndex('workflow_runs_purge_idx').on('workflow_runs').column('purge_at').execute()
  await db.schema.createIndex('workflow_runs_compare_idx').on('workflow_runs').column('compare_id').execute()

  await db.schema
    .createTable('workflow_run_steps')
    .addColumn('run_id', 'varchar(64)', (c) => c.notNull().references('workflow_runs.id').onDelete('cascade'))
    .addColumn('step_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('model', 'varchar(300)')
    .addColumn('provider', 'varchar(64)')
    .addColumn('resolved_model', 'varchar(300)')
    .addColumn('credential_id', 'varchar(64)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision')
    .addColumn('latency_ms', 'bigint')
    .addColumn('output_sealed', 'text')
    .addColumn('error', 'text')
    .addColumn('review', 'text')
    .addColumn('review_comment_sealed', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('workflow_run_steps_pk', ['run_id', 'step_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['workflow_run_steps', 'workflow_runs', 'workflow_versions', 'workflows']) {
    await db.schema.dropTable(t).execute()
  }
}
