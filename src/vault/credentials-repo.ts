/**
 * Credential rows ↔ API views, and the reads shared by the management service and the cache.
 * Views carry metadata, fingerprint and last 4 only: there is no code path from a row to a
 * response that includes sealed material.
 * @module
 */
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { CredentialsTable } from '../db/tables/vault.js'
import type { Principal } from '../identity/principal.js'
import { kindInfo } from '../providers/kinds.js'
import { originsOf } from './credential-input.js'
import {
  type CredentialRef,
  canManage,
  canUse,
  type Grant,
  type Right,
  type Scope,
  type SubjectType,
} from './rights.js'

export type Db = Kysely<Database> | Transaction<Database>

export interface CredentialView {
  id: string
  name: string
  provider: string
  category: string
  baseUrl: string
  /** `http-secret` destinations; empty for provider kinds (their destination is baseUrl). */
  origins: string[]
  region: string | null
  scope: Scope
  workspaceId: string | null
  ownerUserId: string | null
  models: string[]
  fingerprint: string
  last4: string | null
  version: number
  createdBy: string | null
  createdAt: string
  updatedAt: string
  rotatedAt: string | null
  /** Set when its owner left the org: usable by nobody until an owner reassigns it. */
  disabledAt: string | null
  /** What the caller may do with it. */
  canUse: boolean
  canManage: boolean
}

export function refOf(r: CredentialsTable): CredentialRef {
  return {
    id: r.id,
    orgId: r.org_id,
    scope: r.scope as Scope,
    workspaceId: r.workspace_id,
    ownerUserId: r.owner_user_id,
    disabled: r.disabled_at != null,
  }
}

const iso = (v: number | null) => (v == null ? null : new Date(Number(v)).toISOString())

export function toView(r: CredentialsTable, p: Principal, grants: readonly Grant[]): CredentialView {
  const ref = refOf(r)
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    category: kindInfo(r.provider)?.category ?? 'local',
    baseUrl: r.base_url,
    origins: shownOrigins(r),
    region: r.region,
    scope: ref.scope,
    workspaceId: r.workspace_id,
    ownerUserId: r.owner_user_id,
    models: JSON.parse(r.models) as string[],
    fingerprint: r.fingerprint,
    last4: r.last4,
    version: Number(r.version),
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    rotatedAt: iso(r.rotated_at),
    disabledAt: iso(r.disabled_at ?? null),
    canUse: canUse(p, ref, grants),
    canManage: canManage(p, ref, grants),
  }
}

/** The stored origins for display; a row damaged in the database shows none (it will not unseal). */
function shownOrigins(r: CredentialsTable): string[] {
  try {
    return originsOf(r)
  } catch {
    return []
  }
}

/** Unique-name key per scope: names are unique per org, per workspace and per user. */
export function nameKey(
  orgId: string,
  scope: Scope,
  workspaceId: string | null,
  userId: string | null,
  name: string,
) {
  const where =
    scope === 'org' ? `org:${orgId}` : scope === 'workspace' ? `ws:${workspaceId}` : `user:${orgId}:${userId}`
  return `${where}/${name.toLowerCase()}`
}

export async function activeCredentials(db: Db, orgId: string): Promise<CredentialsTable[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

export async function activeCredential(db: Db, id: string): Promise<CredentialsTable | undefined> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}

export async function grantsOf(
  db: Db,
  where: { orgId: string } | { credentialId: string },
): Promise<Grant[]> {
  let q = db.selectFrom('credential_grants').select(['credential_id', 'subject_type', 'subject_id', 'right'])
  q =
    'orgId' in where ? q.where('org_id', '=', where.orgId) : q.where('credential_id', '=', where.credentialId)
  const rows = await q.orderBy('created_at').execute()
  return rows.map((g) => ({
    credentialId: g.credential_id,
    subjectType: g.subject_type as SubjectType,
    subjectId: g.subject_id,
    right: g.right as Right,
  }))
}

export function groupGrants(grants: Grant[]): Map<string, Grant[]> {
  const m = new Map<string, Grant[]>()
  for (const g of grants) {
    const list = m.get(g.credentialId)
    if (list) list.push(g)
    else m.set(g.credentialId, [g])
  }
  return m
}

/**
 * Disables a departing member's personal credentials in one org (sealed material kept, usable
 * by nobody) and returns their ids; an owner later reassigns or deletes each.
 */
export async function disablePersonalCredentials(
  db: Db,
  orgId: string,
  userId: string,
  now: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('credentials')
    .select('id')
    .where('org_id', '=', orgId)
    .where('owner_user_id', '=', userId)
    .where('scope', '=', 'personal')
    .where('revoked_at', 'is', null)
    .where('disabled_at', 'is', null)
    .execute()
  const ids = rows.map((r) => r.id)
  if (ids.length) {
    await db
      .updateTable('credentials')
      .set({ disabled_at: now, updated_at: now })
      .where('id', 'in', ids)
      .execute()
  }
  return ids
}
