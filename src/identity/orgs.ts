import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { newId } from './secrets.js'

type Db = Kysely<Database> | Transaction<Database>

export interface OrgAndWorkspace {
  orgId: string
  workspaceId: string
  created: boolean
}

/**
 * Returns the installation's first org and its first workspace, creating "Default" ones
 * when none exist (the bootstrap path of `latchkey admin token`).
 */
export async function ensureDefaultOrg(db: Kysely<Database>): Promise<OrgAndWorkspace> {
  return db.transaction().execute(async (trx) => {
    const org = await trx
      .selectFrom('orgs')
      .select('id')
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst()
    if (org) {
      const ws = await trx
        .selectFrom('workspaces')
        .select('id')
        .where('org_id', '=', org.id)
        .orderBy('created_at')
        .orderBy('id')
        .executeTakeFirst()
      if (ws) return { orgId: org.id, workspaceId: ws.id, created: false }
      const workspaceId = await createWorkspace(trx, org.id, 'Default')
      return { orgId: org.id, workspaceId, created: true }
    }
    const orgId = await createOrg(trx, 'Default')
    const workspaceId = await createWorkspace(trx, orgId, 'Default')
    return { orgId, workspaceId, created: true }
  })
}

export async function createOrg(db: Db, name: string): Promise<string> {
  const id = newId('org')
  await db.insertInto('orgs').values({ id, name, settings: '{}', created_at: Date.now() }).execute()
  return id
}

export async function createWorkspace(db: Db, orgId: string, name: string): Promise<string> {
  const id = newId('ws')
  await db.insertInto('workspaces').values({ id, org_id: orgId, name, created_at: Date.now() }).execute()
  return id
}
