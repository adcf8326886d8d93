import type { Kysely } from 'kysely'

/** Credentials (metadata), their sealed secrets, grants, and the master-key registry. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('credentials')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('workspace_id', 'varchar(64)', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('owner_user_id', 'varchar(64)', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('scope', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(300)')
    .addColumn('provider', 'varchar(32)', (c) => c.notNull())
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('region', 'varchar(64)')
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
    .addColumn('fingerprint_key', 'varchar(200)')
    .addColumn('last4', 'varchar(8)')
    .addColumn('created_by', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addUniqueConstraint('credentials_name_key_uq', ['name_key'])
    .addUniqueConstraint('credentials_fingerprint_key_uq', ['fingerprint_key'])
    .execute()
  await db.schema.createIndex('credentials_org_idx').on('credentials').column('org_id').execute()

  await db.schema
    .createTable('credential_secrets')
    .addColumn('credential_id', 'varchar(64)', (c) =>
      c.notNull().references('credentials.id').onDelete('cascade'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('credential_secrets_pk', ['credential_id', 'version'])
    .execute()
  await db.schema
    .createIndex('credential_secrets_key_idx')
    .on('credential_secrets')
    .column('key_id')
    .execute()

  await db.schema
    .createTable('credential_grants')
    .addColumn('credential_id', 'varchar(64)', (c) =>
      c.notNull().references('credentials.id').onDelete('cascade'),
    )
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('subject_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('right', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('credential_grants_pk', ['credential_id', 'subject_type', 'subject_id', 'right'])
    .execute()
  await db.schema.createIndex('credential_grants_org_idx').on('credential_grants').column('org_id').execute()

  await db.schema
    .createTable('vault_keys')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kcv', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('active_slot', 'integer', (c) => c.unique())
    .addColumn('wrapped_index_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .addColumn('rewrap_total', 'integer')
    .addColumn('rewrap_done', 'integer')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['vault_keys', 'credential_grants', 'credential_secrets', 'credentials']) {
    await db.schema.dropTable(t).execute()
  }
}
