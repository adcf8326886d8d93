/**
 * Names people read for the ids that the audit log and usage keep: users (name and email),
 * access tokens (their name and whose they are), provider keys, workspaces and workflows. Ids
 * stay the reference (names change on a rename); the names ride along for display and exports.
 * Only ids of the caller's org resolve: anything else keeps no name.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/** id → display name, for the ids that have one. */
export type DisplayNames = Record<string, string>

/** The kind of thing an id names, from its prefix (see newId). */
const PREFIX = { usr: 'user', tok: 'token', cred: 'credential', ws: 'workspace', wf: 'workflow' } as const

export async function displayNames(
  db: Kysely<Database>,
  orgId: string,
  ids: Iterable<string | null | undefined>,
): Promise<DisplayNames> {
  const want: Record<(typeof PREFIX)[keyof typeof PREFIX], string[]> = {
    user: [],
    token: [],
    credential: [],
    workspace: [],
    workflow: [],
  }
  for (const id of new Set(ids)) {
    const kind = id ? PREFIX[id.slice(0, id.indexOf('_')) as keyof typeof PREFIX] : undefined
    if (kind && id) want[kind].push(id)
  }
  const out: DisplayNames = {}
  const users = new Map<string, string>()
  const tokenOwners: string[] = []
  if (want.token.length) {
    const rows = await db
      .selectFrom('access_tokens')
      .select(['id', 'name', 'user_id'])
      .where('org_id', '=', orgId)
      .where('id', 'in', want.token)
      .execute()
    for (const t of rows) if (t.user_id) tokenOwners.push(t.user_id)
    if (tokenOwners.length || want.user.length)
      await loadUsers(db, orgId, [...want.user, ...tokenOwners], users)
    for (const t of rows) {
      const owner = t.user_id ? users.get(t.user_id) : undefined
      out[t.id] = owner ? `${t.name} (token of ${owner})` : `${t.name} (token)`
    }
  } else if (want.user.length) await loadUsers(db, orgId, want.user, users)
  for (const id of want.user) {
    const u = users.get(id)
    if (u) out[id] = u
  }
  const named = async (table: 'credentials' | 'workspaces' | 'workflows', list: string[]) => {
    if (!list.length) return
    const rows = await db
      .selectFrom(table)
      .select(['id', 'name'])
      .where('org_id', '=', orgId)
      .where('id', 'in', list)
      .execute()
    for (const r of rows) out[r.id] = r.name
  }
  await named('credentials', want.credential)
  await named('workspaces', want.workspace)
  await named('workflows', want.workflow)
  return out
}

/** Users with a membership in the org: "Name <email>", or the email when that is all there is. */
async function loadUsers(db: Kysely<Database>, orgId: string, ids: string[], into: Map<string, string>) {
  const rows = await db
    .selectFrom('users')
    .innerJoin('org_memberships', 'org_memberships.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('org_memberships.org_id', '=', orgId)
    .where('users.id', 'in', [...new Set(ids)])
    .execute()
  for (const u of rows) into.set(u.id, u.name && u.name !== u.email ? `${u.name} <${u.email}>` : u.email)
}
