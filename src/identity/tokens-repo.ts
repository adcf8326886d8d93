import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { AccessTokensTable } from '../db/tables/identity.js'
import type { Role } from './principal.js'
import { newAccessToken, newId } from './secrets.js'

type Db = Kysely<Database> | Transaction<Database>

export interface NewToken {
  orgId: string
  workspaceId: string | null
  userId: string | null
  name: string
  role: Role
  scopes?: string[]
  createdBy: string | null
  expiresAt?: number | null
}

/** Public view of a token row: never the hash. */
export interface TokenView {
  id: string
  name: string
  prefix: string
  role: string
  scopes: string[]
  workspaceId: string | null
  userId: string | null
  createdBy: string | null
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
  revokedAt: string | null
}

export function toTokenView(r: AccessTokensTable): TokenView {
  const iso = (v: number | null) => (v == null ? null : new Date(Number(v)).toISOString())
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role,
    scopes: JSON.parse(r.scopes) as string[],
    workspaceId: r.workspace_id,
    userId: r.user_id,
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  }
}

/** Inserts a token and returns its row and the raw value (shown once, never stored). */
export async function insertToken(db: Db, t: NewToken): Promise<{ raw: string; row: AccessTokensTable }> {
  const { raw, hash, display } = newAccessToken()
  const row: AccessTokensTable = {
    id: newId('tok'),
    org_id: t.orgId,
    workspace_id: t.workspaceId,
    user_id: t.userId,
    name: t.name,
    prefix: display,
    token_hash: hash,
    role: t.role,
    scopes: JSON.stringify(t.scopes ?? []),
    created_by: t.createdBy,
    created_at: Date.now(),
    expires_at: t.expiresAt ?? null,
    last_used_at: null,
    revoked_at: null,
  }
  await db.insertInto('access_tokens').values(row).execute()
  return { raw, row }
}
