import type { Generated } from 'kysely'

/** Times are epoch milliseconds (bigint in PostgreSQL, integer in SQLite); booleans are 0/1. */
export interface OrgsTable {
  id: string
  name: string
  /** JSON text: org settings (egress, content storage, retention, CORS). */
  settings: string
  created_at: number
}

export interface WorkspacesTable {
  id: string
  org_id: string
  name: string
  created_at: number
}

export interface UsersTable {
  id: string
  /** Lower-cased; unique across the installation. */
  email: string
  name: string | null
  /** argon2id PHC string; null until the user sets a password through an invite. */
  password_hash: string | null
  created_at: number
  disabled_at: number | null
}

export interface OrgMembershipsTable {
  org_id: string
  user_id: string
  role: string
  created_at: number
  /** Set while invited and not yet accepted (the membership grants nothing); null once joined. */
  pending_since?: number | null
}

export interface WorkspaceMembershipsTable {
  workspace_id: string
  user_id: string
  role: string
  created_at: number
}

export interface SessionsTable {
  /** SHA-256 of the session cookie value; the raw value exists only in the browser. */
  id: string
  /** Set for email/password sign-in. */
  user_id: string | null
  /** Set for access-token sign-in: the session acts as that token. */
  token_id: string | null
  org_id: string
  csrf_hash: string
  created_at: number
  expires_at: number
}

export interface AccessTokensTable {
  id: string
  org_id: string
  workspace_id: string | null
  /** The user the token acts for (null for tokens minted by `latchkey admin token`). */
  user_id: string | null
  name: string
  /** First characters of the raw token, kept for display ("lk_AbCd…"). */
  prefix: string
  /** SHA-256 hex of the raw token. */
  token_hash: string
  role: string
  /** JSON array of scope strings; empty = everything the role allows. */
  scopes: string
  created_by: string | null
  created_at: number
  expires_at: number | null
  last_used_at: number | null
  revoked_at: number | null
}

export interface InvitesTable {
  id: string
  org_id: string
  workspace_id: string | null
  email: string
  role: string
  token_hash: string
  created_by: string | null
  created_at: number
  expires_at: number
  accepted_at: number | null
}

/** One row per cache domain; bumping `version` tells every instance to drop that cache. */
export interface StateVersionsTable {
  key: string
  version: Generated<number>
}

export interface IdentityTables {
  orgs: OrgsTable
  workspaces: WorkspacesTable
  users: UsersTable
  org_memberships: OrgMembershipsTable
  workspace_memberships: WorkspaceMembershipsTable
  sessions: SessionsTable
  access_tokens: AccessTokensTable
  invites: InvitesTable
  state_versions: StateVersionsTable
}
