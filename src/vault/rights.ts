/**
 * Who may use and who may manage a credential (pure: principal + row + grants).
 *
 * - `personal`: only its owner user may use it; the owner and org admins may manage it.
 * - `workspace`: managed by admins of the org or of that workspace; usable by principals
 *   acting in that workspace.
 * - `org`: managed by org admins; usable by everyone in the org.
 * Grants add to this: `manage` grants give manage and use; `use` grants give use. Once a
 * credential has any `use` grant it is *restricted*: only grantees (and managers) may use it.
 * Auditors never use or manage. Grant subjects: users, workspaces, access tokens.
 * A *disabled* credential (a departed member's personal key) is usable by nobody; org admins
 * see it and may delete it, org owners may reassign it.
 * @module
 */
import { can, effectiveRole } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'

export type Scope = 'org' | 'workspace' | 'personal'
export const SCOPES: Scope[] = ['org', 'workspace', 'personal']
export type Right = 'use' | 'manage'
export type SubjectType = 'user' | 'workspace' | 'token'

export interface CredentialRef {
  id: string
  orgId: string
  scope: Scope
  workspaceId: string | null
  ownerUserId: string | null
  /** A departed member's personal credential: usable by nobody, managed by org admins only. */
  disabled?: boolean
}

export interface Grant {
  credentialId: string
  subjectType: SubjectType
  subjectId: string
  right: Right
}

export function grantMatches(p: Principal, g: Grant): boolean {
  switch (g.subjectType) {
    case 'user':
      return p.userId !== null && p.userId === g.subjectId
    case 'token':
      return p.tokenId !== null && p.tokenId === g.subjectId
    case 'workspace':
      return p.workspaceId === g.subjectId || (p.kind === 'user' && g.subjectId in p.workspaceRoles)
  }
}

function isAdmin(p: Principal, workspaceId?: string | null): boolean {
  const r = effectiveRole(p, workspaceId)
  return r === 'owner' || r === 'admin'
}

export function canManage(p: Principal, c: CredentialRef, grants: readonly Grant[]): boolean {
  if (p.orgId !== c.orgId || effectiveRole(p, c.workspaceId) === 'auditor') return false
  if (c.disabled) return isAdmin(p)
  if (c.scope === 'personal') {
    return (c.ownerUserId !== null && p.userId === c.ownerUserId) || isAdmin(p)
  }
  if (can(p, 'credentials:manage', { orgId: c.orgId, workspaceId: c.workspaceId })) return true
  return grants.some((g) => g.right === 'manage' && grantMatches(p, g))
}

export function canUse(p: Principal, c: CredentialRef, grants: readonly Grant[]): boolean {
  if (p.orgId !== c.orgId || c.disabled || effectiveRole(p, c.workspaceId) === 'auditor') return false
  if (c.scope === 'personal') return c.ownerUserId !== null && p.userId === c.ownerUserId
  if (grants.some((g) => g.right === 'manage' && grantMatches(p, g))) return true
  const useGrants = grants.filter((g) => g.right === 'use')
  if (useGrants.length > 0) {
    return useGrants.some((g) => grantMatches(p, g)) || canManage(p, c, grants)
  }
  if (c.scope === 'workspace') {
    return (
      p.workspaceId === c.workspaceId ||
      (c.workspaceId !== null && c.workspaceId in p.workspaceRoles) ||
      isAdmin(p)
    )
  }
  return true
}

/** Whether the principal may see the credential's metadata in GET /credentials. */
export function canSee(p: Principal, c: CredentialRef, grants: readonly Grant[]): boolean {
  if (p.orgId !== c.orgId) return false
  const r = effectiveRole(p, c.workspaceId)
  if (r === 'owner' || r === 'admin' || p.role === 'auditor') return true
  return canUse(p, c, grants) || canManage(p, c, grants)
}
