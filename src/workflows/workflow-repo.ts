/**
 * Recipes and their versions. A version is immutable once saved; "new version" adds a row and
 * moves `latest_version`. Runs pin the version they started on.
 * @module
 */
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { WorkflowsTable, WorkflowVersionsTable } from '../db/tables/workflows.js'
import { notFound } from '../errors/app-error.js'
import type { Principal } from '../identity/principal.js'

export type WorkflowRow = Selectable<WorkflowsTable>
export type VersionRow = Selectable<WorkflowVersionsTable>
type Db = Kysely<Database> | Transaction<Database>

export async function getWorkflow(db: Db, id: string): Promise<WorkflowRow> {
  const w = await db
    .selectFrom('workflows')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!w) throw notFound('workflow not found')
  return w
}

export async function getVersion(db: Db, workflowId: string, version: number): Promise<VersionRow> {
  const v = await db
    .selectFrom('workflow_versions')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('version', '=', version)
    .executeTakeFirst()
  if (!v) throw notFound(`workflow version ${version} not found`)
  return v
}

export async function findByName(db: Db, orgId: string, name: string): Promise<WorkflowRow | undefined> {
  return db
    .selectFrom('workflows')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
}

export async function listWorkflows(
  db: Db,
  orgId: string,
  name?: string,
): Promise<(WorkflowRow & { yaml_sha256: string })[]> {
  let q = db
    .selectFrom('workflows')
    .innerJoin('workflow_versions', (j) =>
      j
        .onRef('workflow_versions.workflow_id', '=', 'workflows.id')
        .onRef('workflow_versions.version', '=', 'workflows.latest_version'),
    )
    .selectAll('workflows')
    .select('workflow_versions.yaml_sha256')
    .where('workflows.org_id', '=', orgId)
    .where('workflows.deleted_at', 'is', null)
  if (name) q = q.where('workflows.name', '=', name)
  return q.orderBy('workflows.name').execute()
}

/**
 * Whether a stored actor id (`created_by`: a token id or a user id) is the principal or the
 * same person: a recipe saved through one of a user's tokens is theirs in the browser too.
 */
export async function isSameActor(db: Db, p: Principal, actorId: string): Promise<boolean> {
  if (p.id === actorId) return true
  if (!p.userId) return false
  if (actorId === p.userId) return true
  const t = await db
    .selectFrom('access_tokens')
    .select('user_id')
    .where('id', '=', actorId)
    .executeTakeFirst()
  return t?.user_id != null && t.user_id === p.userId
}
